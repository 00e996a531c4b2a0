// SPDX-License-Identifier: GPL-2.0
// Benchmark object: the layout the anchor measurements used (a 112-byte
// task context in a hash map keyed by tid, and per-CPU counters), so our
// figures compare with shared/anchors. Only the maps and their BTF matter;
// the object is never loaded.
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

struct sched_stats {
	__u64 run_count;
	__u64 wait_sum_ns;
	__u64 max_wait_ns;
};

struct task_ctx {
	__u64 runtime_ns;
	__u64 vruntime;
	__u64 nr_switches;
	__u64 nr_migrations;
	__s32 tid;
	__s32 tgid;
	__u32 cpu;
	__u32 flags;
	struct sched_stats stats;
	char comm[16];
	__u32 dsq_hist[4];
	__u64 last_ts;
};

struct cpu_stats {
	__u64 nr_dispatched;
	__u64 nr_enqueued;
	__u64 nr_idle_picks;
	__u64 busy_ns;
	__s32 last_tid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1048576);
	__type(key, __u32);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct cpu_stats);
} cpu_stats SEC(".maps");

char LICENSE[] SEC("license") = "GPL";
