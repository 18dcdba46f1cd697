package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"switchboard/backend/gateway"
	"switchboard/backend/groups"
)

// groupSource is a Source that also has groups; *gateway.Gateway is one.
type groupSource interface {
	Groups() []gateway.GroupInfo
}

var (
	groupStateDesc = prometheus.NewDesc("switchboard_group_state",
		"1 for the state each group is in now (healthy, degraded, unavailable), 0 for the others.", []string{"group", "state"}, nil)
	groupHealthyDesc = prometheus.NewDesc("switchboard_group_members_healthy",
		"Members of each group that take calls now.", []string{"group"}, nil)
	breakerDesc = prometheus.NewDesc("switchboard_group_breaker_state",
		"1 for the state each group member's circuit breaker is in now (closed, open, half_open), 0 for the others.", []string{"group", "server", "state"}, nil)
	memberCallsDesc = prometheus.NewDesc("switchboard_group_member_calls_total",
		"Calls a group sent to each member (a retried call counts on each member it was sent to).", []string{"group", "server"}, nil)
	memberFailuresDesc = prometheus.NewDesc("switchboard_group_member_failures_total",
		"Calls that failed on each group member (down, gone away, timed out).", []string{"group", "server"}, nil)
)

func describeGroups(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{groupStateDesc, groupHealthyDesc, breakerDesc, memberCallsDesc, memberFailuresDesc} {
		ch <- d
	}
}

func collectGroups(src Source, ch chan<- prometheus.Metric) {
	gs, ok := src.(groupSource)
	if !ok {
		return
	}
	for _, g := range gs.Groups() {
		oneOf(ch, groupStateDesc, g.State, []string{groups.Healthy, groups.Degraded, groups.Unavailable}, g.ID)
		ch <- prometheus.MustNewConstMetric(groupHealthyDesc, prometheus.GaugeValue, float64(g.HealthyMembers), g.ID)
		for _, m := range g.Members {
			oneOf(ch, breakerDesc, m.Breaker.State, []groups.BreakerState{groups.Closed, groups.Open, groups.HalfOpen}, g.ID, m.Server)
			ch <- prometheus.MustNewConstMetric(memberCallsDesc, prometheus.CounterValue, float64(m.CallsTotal), g.ID, m.Server)
			ch <- prometheus.MustNewConstMetric(memberFailuresDesc, prometheus.CounterValue, float64(m.FailuresTotal), g.ID, m.Server)
		}
	}
}
