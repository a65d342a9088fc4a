# SPDX-License-Identifier: GPL-2.0
# bench.mk — `make bench`: build the benchmark helpers next to the tool and run bench/run.sh.
# Not part of `make check`: a benchmark measures, it never fails a build.

BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))
BENCH_BPF  := $(patsubst bench/%.bpf.c,$(OUT)/bench/%.bpf.o,$(wildcard bench/*.bpf.c))

# The floor classifier is built with flowowner's own parse and key (bpf/*.h).
$(OUT)/bench/%.bpf.o: bench/%.bpf.c $(wildcard bpf/*.h) $(OUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/%: bench/%.c bpf/flowowner.h bench/testrun.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(PKG_LIBS)

bench: all $(BENCH_BINS) $(BENCH_BPF)
	$(Q)OUT=$(OUT) bench/run.sh
