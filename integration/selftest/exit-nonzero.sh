#!/bin/bash
# Harness self-test: the file dies inside an open test.
. "${HRUN_LIB:?run this via integration/vm.sh}"
t_begin "exits-mid-test"
exit 3
