package docs

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// alarmIDs are the alarm ids of docs/alarms.md (the stable list infra's alarms are named by);
// `<fn>` stands for a function name.
var alarmIDs = []string{
	"<fn>-dlq-depth", "<fn>-dlq-age", "<fn>-queue-age", "<fn>-errors", "<fn>-throttles",
	"api-5xx-rate", "api-latency-p99", "saga-stuck-orders",
}

// alarmRow is an id cell of docs/alarms.md's table: | `<id>` | ...
var alarmRow = regexp.MustCompile("(?m)^\\| `([a-z0-9<>-]+)` \\|")

// Every alarm has its runbook: a "### `<id>`" section of docs/operations.md with what it means,
// where to look and what to do. When docs/alarms.md is there (infra's list), its ids are
// checked too, so an alarm added to the list without a runbook fails here.
func TestEveryAlarmHasARunbook(t *testing.T) {
	ops, err := os.ReadFile("operations.md")
	if err != nil {
		t.Fatal(err)
	}
	ids := append([]string(nil), alarmIDs...)
	if list, err := os.ReadFile("alarms.md"); err == nil {
		for _, m := range alarmRow.FindAllStringSubmatch(string(list), -1) {
			ids = append(ids, m[1])
		}
	}
	sections := strings.Split(string(ops), "\n### ")
	for _, id := range ids {
		found := false
		for _, sec := range sections[1:] {
			if !strings.HasPrefix(sec, "`"+id+"`\n") {
				continue
			}
			found = true
			for _, part := range []string{"**Means.**", "**Look", "**Do.**"} {
				if !strings.Contains(sec, part) && !(part == "**Do.**" && strings.Contains(sec, "**Look / do.**")) {
					t.Errorf("runbook %s has no %s part", id, part)
				}
			}
		}
		if !found {
			t.Errorf("docs/operations.md has no runbook (### `%s`) for alarm %s", id, id)
		}
	}
}
