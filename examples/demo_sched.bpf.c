// SPDX-License-Identifier: GPL-2.0
// The example scheduler of `ktsnap demo`: the maps and globals of a small
// sched_ext-style vtime scheduler, without sched_ext itself (the demo loads
// the maps only and fills them from user space, so it runs on any kernel
// with BPF and BTF). The layout follows what scx schedulers keep:
//   task_ctxs  HASH          tid -> per-task context (nested structs, an
//                            enum state, comm, counters)
//   cpu_stats  PERCPU_ARRAY  one entry of counters per CPU (scx_stats style)
//   dsq_stats  PERCPU_HASH   per dispatch-queue counters, keyed by a struct
//   cpu_ctxs   ARRAY         one context per possible CPU (resized at load)
//   .bss / .data / .rodata   run-time counters, tunables, load-time config
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define MAX_TASKS 8192
#define NR_DSQS 4

enum task_state {
	QUEUED = 0,
	RUNNING = 1,
	SLEEPING = 2,
	EXITING = 3,
};

/* Virtual-time bookkeeping of one task (nested in task_ctx). */
struct task_vtime {
	__u64 vtime;
	__u64 deadline;
	__u64 slice_ns;
};

struct task_counters {
	__u64 nr_enqueues;
	__u64 nr_dispatches;
	__u64 nr_preemptions;
	__u32 nr_migrations;
	__u32 nr_yields;
};

struct task_ctx {
	__u32 tid;
	__u32 tgid;
	enum task_state state;
	__u32 weight;
	char comm[16];
	__u64 runtime_ns;
	__u64 last_run_at;
	struct task_vtime sched;
	struct task_counters stats;
	__s32 last_cpu;
	__u32 dsq_id;
	__u64 cpumask;
	_Bool kthread;
};

/* Per-CPU scheduler counters: one entry, a slot per CPU. */
struct cpu_stats {
	__u64 nr_enqueued;
	__u64 nr_dispatched;
	__u64 nr_local;
	__u64 nr_global;
	__u64 nr_preempted;
	__u64 busy_ns;
};

struct dsq_key {
	__u32 dsq_id;
	__u32 node;
};

struct dsq_counters {
	__u64 nr_queued;
	__u64 nr_consumed;
	__u64 max_wait_ns;
};

struct cpu_ctx {
	__u32 cpu;
	__u32 curr_tid;
	__u64 vtime_now;
	__u64 idle_ns;
	__u32 nr_running;
	__u32 perf_level;
	_Bool online;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TASKS);
	__type(key, __u32);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_stats);
} cpu_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, struct dsq_key);
	__type(value, struct dsq_counters);
} dsq_stats SEC(".maps");

/* Resized to the number of possible CPUs before the object is loaded. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_ctx);
} cpu_ctxs SEC(".maps");

/* .bss: run-time counters. */
__u64 nr_enqueued;
__u64 nr_dispatched;
__u64 nr_running;
__u64 nr_tasks;

/* .data: tunables with defaults. */
__u64 slice_ns = 20000000;
__u32 nr_dsqs = NR_DSQS;

/* .rodata: set by the loader before load, frozen afterwards. */
const volatile __u32 nr_cpus = 1;
const volatile _Bool switch_partial;
const volatile __u64 max_exec_ns = 100000000;

/*
 * What the scheduler's hot path does with its maps. The demo does not load
 * programs (autoload is off): a tracepoint stands in for ops.running so the
 * object builds without sched_ext headers.
 */
SEC("tracepoint/sched/sched_switch")
int demo_running(void *ctx)
{
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cpu_stats *cs = bpf_map_lookup_elem(&cpu_stats, &zero);
	struct cpu_ctx *cc = bpf_map_lookup_elem(&cpu_ctxs, &cpu);
	struct task_ctx *t = bpf_map_lookup_elem(&task_ctxs, &tid);
	struct dsq_key dk = { .dsq_id = 0, .node = 0 };
	struct dsq_counters *dc;

	if (!cs || !cc || !t)
		return 0;
	t->state = RUNNING;
	t->stats.nr_dispatches++;
	t->last_cpu = cpu;
	if (t->sched.vtime < cc->vtime_now)
		t->sched.vtime = cc->vtime_now;
	t->sched.slice_ns = slice_ns;
	cc->curr_tid = tid;
	cs->nr_dispatched++;
	dk.dsq_id = t->dsq_id % nr_dsqs;
	dc = bpf_map_lookup_elem(&dsq_stats, &dk);
	if (dc)
		dc->nr_consumed++;
	__sync_fetch_and_add(&nr_dispatched, 1);
	if (nr_cpus > 1 && switch_partial)
		nr_running++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
