# SPDX-License-Identifier: GPL-2.0
# test_cost.sh — what flowowner tells users it costs: per-program runs and ns per run
# (kernel.bpf_stats_enabled) in status and metrics, and the warning where XDP costs more than tc.

# A program's FIELD from status -j ("" when absent).
prog_field() { # NAME FIELD
	fo -j status | pyjson "print(''.join(str(p['$2']) for p in d['cost']['programs'] if p['name']=='$1'))"
}

test_cost_program_stats_in_status_and_metrics() {
	local saved port=7311 out i r0 r1 s0 s1
	setup_pair || return 1
	saved=$(sysctl -n kernel.bpf_stats_enabled) || return 1
	on_cleanup "sysctl -qw kernel.bpf_stats_enabled=$saved"
	fo -n "$NS_A" attach veth0 || fail "attach" || return 1
	if [ "$saved" = 0 ]; then
		# Off (the default): no figures, and how to turn it on.
		assert_eq "$(fo -j status | pyjson "print(d['cost']['bpf_stats_enabled'], len(d['cost']['programs']))")" \
			"False 0" "status -j with bpf_stats off" || return 1
		assert_contains "$(fo status)" "kernel.bpf_stats_enabled is off: sysctl -w kernel.bpf_stats_enabled=1" \
			"status says how to turn it on" || return 1
		assert_contains "$(fo metrics)" "flowowner_bpf_stats_enabled 0" "metrics switch off" || return 1
	fi
	sysctl -qw kernel.bpf_stats_enabled=1 || return 1
	bg in_b socat -u "UDP4-RECV:$port,bind=$IP4_B" /dev/null
	wait_listen "$NS_B" $port udp || fail "receiver" || return 1
	r0=$(prog_field fo_tc_egress run_cnt)
	s0=$(prog_field fo_sock_send run_cnt)
	for i in 1 2 3 4 5; do
		echo "datagram $i" | in_a socat -u - "UDP4-SENDTO:$IP4_B:$port" || return 1
	done
	r1=$(prog_field fo_tc_egress run_cnt)
	s1=$(prog_field fo_sock_send run_cnt)
	assert_ge "$r1" $((r0 + 5)) "fo_tc_egress runs grow by the datagrams sent" || return 1
	assert_ge "$s1" $((s0 + 5)) "fo_sock_send runs grow by the sends" || return 1
	out=$(fo -j status | pyjson "
p = {x['name']: x for x in d['cost']['programs']}
e = p['fo_tc_egress']
print(d['cost']['bpf_stats_enabled'], sorted(e), e['run_time_ns'] > 0, e['ns_per_run'] > 0,
      e['prog_id'] > 0, 'fo_tc_ingress' in p, 'fo_sock_create' in p)")
	assert_eq "$out" "True ['name', 'ns_per_run', 'prog_id', 'run_cnt', 'run_time_ns'] True True True True True" \
		"status -j cost fields" || return 1
	assert_contains "$(fo status)" "fo_tc_egress" "status table lists the program" || return 1
	out=$(fo metrics)
	assert_contains "$out" "flowowner_bpf_stats_enabled 1" "metrics switch on" || return 1
	assert_contains "$out" 'flowowner_program_runs_total{program="fo_tc_egress"}' "metrics runs" || return 1
	assert_contains "$out" 'flowowner_program_ns_per_run{program="fo_sock_send"}' "metrics ns per run" ||
		return 1
	# Counters read by metrics are the same the kernel keeps: they never go backwards.
	r0=$(fo metrics | sed -n 's/^flowowner_program_runs_total{program="fo_tc_egress"} //p')
	assert_ge "$r0" "$r1" "metrics runs at least what status saw" || return 1
}

test_cost_xdp_on_veth_warns_and_attaches() {
	setup_pair || return 1
	assert_rc 0 fo -n "$NS_A" attach veth0 || return 1
	assert_eq "$ERR" "" "tc alone: no warning" || return 1
	assert_rc 0 fo -n "$NS_A" attach veth0 --xdp || return 1
	assert_contains "$ERR" "flowowner: veth0: warning: native XDP on veth turns off the peer's TSO/GSO" \
		"the reason XDP costs here" || return 1
	ip -n "$NS_A" link show veth0 | grep -q ' xdp ' || fail "not attached in native mode" || return 1
	assert_rc 0 fo -n "$NS_A" attach veth0 --xdp=generic || return 1
	assert_contains "$ERR" "flowowner: veth0: warning: generic XDP runs after the kernel built the packet" \
		"generic mode's reason" || return 1
	ip -n "$NS_A" link show veth0 | grep -q ' xdpgeneric ' || fail "not attached in generic mode"
}
