# SPDX-License-Identifier: GPL-2.0
# bench.mk — `make bench`: build the benchmark helpers next to the tool and run bench/run.sh.
# Not part of `make check`: a benchmark measures, it never fails a build.

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

$(OUT)/bench/%: bench/%.c bpf/flowowner.h bench/testrun.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(PKG_LIBS)

bench: all $(BENCH_BINS)
	$(Q)OUT=$(OUT) bench/run.sh
