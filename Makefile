# SPDX-License-Identifier: GPL-2.0
# flowowner — build BPF objects, their skeletons, the loader and the command into build/.

OUT      ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= cc
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VERSION  := 0.1.0

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS      := libbpf libmnl jansson ncursesw
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lmnl -ljansson -lncursesw) -lelf -lz

WARN      := -Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes -Wshadow
CFLAGS    ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -DFO_VERSION='"$(VERSION)"' \
	      -I$(OUT) -Ibpf -Iloader -Itools $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS   ?=
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -I$(OUT) -Ibpf \
	      -Wall -Werror -Wno-unused-function

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

LIB_SRCS  := $(wildcard loader/*.c) $(filter-out tools/main.c,$(wildcard tools/*.c))
LIB_OBJS  := $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS))
MAIN_OBJ  := $(OUT)/obj/tools/main.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
HELPER_SRCS := $(wildcard tests/netns/helpers/*.c)
HELPER_BINS := $(patsubst tests/netns/helpers/%.c,$(OUT)/tests/%,$(HELPER_SRCS))

.PHONY: all clean install deps check unit netns demo bench lint stress
.DELETE_ON_ERROR:
# BPF objects and skeletons are products in their own right (bench and tests load them): keep them.
.SECONDARY:

all: $(OUT)/flowowner

$(OUT)/vmlinux.h: $(VMLINUX_BTF)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(OUT)
	$(Q)$(BPFTOOL) btf dump file $< format c > $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(OUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(OUT)/obj/%.o: %.c $(SKELS) $(wildcard bpf/*.h loader/*.h tools/*.h tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUT)/libflowowner.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/flowowner: $(MAIN_OBJ) $(OUT)/libflowowner.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(OUT)/tests/%: $(OUT)/obj/tests/unit/%.o $(OUT)/libflowowner.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(OUT)/tests/%: tests/netns/helpers/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< -lpthread

tests: $(UNIT_BINS) $(HELPER_BINS)

check: all tests
	$(Q)OUT=$(OUT) tests/run.sh

unit: all tests
	$(Q)OUT=$(OUT) tests/run.sh unit

netns: all tests
	$(Q)OUT=$(OUT) tests/run.sh netns

demo: all
	$(Q)OUT=$(OUT) tools/demo.sh

deps:
	$(Q)tools/deps.sh

install: all
	install -D -m 0755 $(OUT)/flowowner $(DESTDIR)$(PREFIX)/sbin/flowowner
	install -D -m 0644 docs/flowowner.8 $(DESTDIR)$(PREFIX)/share/man/man8/flowowner.8
	test ! -f tools/flowowner.bash-completion || install -D -m 0644 tools/flowowner.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/flowowner

clean:
	rm -rf $(OUT)

-include bench/bench.mk
