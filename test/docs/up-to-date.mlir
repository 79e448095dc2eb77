// The committed reference in docs/ matches what the .td files generate.
// Run scripts/update-docs.sh after changing an op or a pass description.
// RUN: diff -u %hypatia_src/docs/Dialects/HypatiaDialect.md %hypatia_obj/docs/Dialects/HypatiaDialect.md
// RUN: diff -u %hypatia_src/docs/Passes/HypatiaConversionPasses.md %hypatia_obj/docs/Passes/HypatiaConversionPasses.md
// RUN: diff -u %hypatia_src/docs/Passes/HypatiaTransformsPasses.md %hypatia_obj/docs/Passes/HypatiaTransformsPasses.md
