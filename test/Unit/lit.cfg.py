# -*- Python -*-
# The GoogleTest unit tests, run by lit so that one command runs every suite.

import os

import lit.formats

config.name = "Hypatia-Unit"
config.suffixes = []
config.test_source_root = config.hypatia_unittests_dir
config.test_exec_root = config.hypatia_unittests_dir
config.test_format = lit.formats.GoogleTest(".", "Tests")
