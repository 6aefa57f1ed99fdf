#!/bin/bash
# Harness self-test: runs into its per-file timeout.
# timeout: 10
. "${HRUN_LIB:?run this via integration/vm.sh}"
t_begin "hangs"
sleep 600
