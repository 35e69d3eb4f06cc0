package collector

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

func TestStoreBasics(t *testing.T) {
	s := newTestStore(t, StoreOptions{})
	if s.Len() != 0 || len(s.Keys()) != 0 || len(s.All()) != 0 {
		t.Fatal("a new store is not empty")
	}
	if got := exposition(t, s); got != "" {
		t.Fatalf("empty store exposes %q", got)
	}
	a2 := job("2", nil)
	a10 := job("10", nil)
	b1 := &JobSnapshot{Key: JobKey{"b", "1"}}
	for _, sn := range []*JobSnapshot{b1, a2, a10} {
		s.Set(sn)
	}
	s.Set(nil) // ignored
	want := []JobKey{{"b", "1"}, {"c", "10"}, {"c", "2"}}
	if got := s.Keys(); !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}
	if all := s.All(); len(all) != 3 || all[0] != b1 || all[1] != a10 || all[2] != a2 {
		t.Fatalf("All() not sorted by cluster, job: %v", all)
	}
	if s.Len() != 3 {
		t.Fatalf("Len() = %d", s.Len())
	}
	if got, ok := s.Get(JobKey{"c", "2"}); !ok || got != a2 {
		t.Fatalf("Get = %v, %v", got, ok)
	}
	if _, ok := s.Get(JobKey{"c", "3"}); ok {
		t.Fatal("Get of a missing key succeeded")
	}

	// Replacing keeps the order and changes what is served.
	a2b := job("2", &client.JobInfo{JobID: "2", State: "Failed"})
	s.Set(a2b)
	if got, _ := s.Get(JobKey{"c", "2"}); got != a2b {
		t.Fatal("Set did not replace the snapshot")
	}
	if got := s.Keys(); !slices.Equal(got, want) {
		t.Fatalf("Keys() after replace = %v", got)
	}
	if out := exposition(t, s); !strings.Contains(out, `ehpc_serverless_job_state{cluster_id="c",job_id="2",state="Failed"} 1`) {
		t.Fatalf("replacement not served:\n%s", out)
	}

	s.Delete(JobKey{"c", "10"})
	s.Delete(JobKey{"nope", "1"})
	if got := s.Keys(); !slices.Equal(got, []JobKey{{"b", "1"}, {"c", "2"}}) {
		t.Fatalf("Keys() after delete = %v", got)
	}
	if out := exposition(t, s); strings.Contains(out, `job_id="10"`) {
		t.Fatalf("deleted job still served:\n%s", out)
	}
}

func TestStoreOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		opts StoreOptions
		want string
	}{
		{StoreOptions{Allow: []string{"ehpc_(serverless"}}, `metric family allow list: entry 1 "ehpc_(serverless" is not a valid RE2 expression`},
		{StoreOptions{Deny: []string{"ok", ""}}, "metric family deny list: entry 2 is empty"},
		{StoreOptions{TagLabels: []string{"a.b", "a-b"}}, `tag label allowlist: keys "a.b" and "a-b" both become label "tag_a_b"`},
		{StoreOptions{TagLabels: []string{""}}, "tag label allowlist: entry 1 is empty"},
	} {
		_, err := NewStore(tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewStore(%+v) error = %v, want %q", tc.opts, err, tc.want)
		}
	}
	if _, err := NewStore(StoreOptions{TagLabels: []string{"app", "app"}}); err != nil {
		t.Errorf("a key listed twice should be accepted: %v", err)
	}
}

func TestAllowDeny(t *testing.T) {
	for _, tc := range []struct {
		name        string
		allow, deny []string
		want        []string // families exposed for the rich snapshot
	}{
		{
			name:  "allow names and regexes, anchored",
			allow: []string{"ehpc_serverless_job_state", "ehpc_serverless_container_group_.*_bytes", "job_info"},
			want: []string{"ehpc_serverless_job_state", "ehpc_serverless_container_group_memory_bytes",
				"ehpc_serverless_container_group_ephemeral_storage_bytes"},
		},
		{
			name:  "deny wins over allow",
			allow: []string{"ehpc_serverless_exporter_.*"},
			deny:  []string{"ehpc_serverless_exporter_jobs_tracked"},
			want:  []string{"ehpc_serverless_exporter_jobs_by_poll_class"},
		},
		{
			name: "deny alone removes only what it names",
			deny: []string{"ehpc_serverless_container_.*", "ehpc_serverless_job_(info|state|failure_class|priority|array_tasks|poll_errors_total)", "ehpc_serverless_job_.*_timestamp_seconds"},
			want: []string{"ehpc_serverless_exporter_jobs_tracked", "ehpc_serverless_exporter_jobs_by_poll_class", "ehpc_serverless_array_tasks_by_state"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStore(t, StoreOptions{Allow: tc.allow, Deny: tc.deny}, richSnapshot())
			mfs, err := s.Gatherer().Gather()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, mf := range mfs {
				got = append(got, mf.GetName())
			}
			slices.Sort(got)
			slices.Sort(tc.want)
			if !slices.Equal(got, tc.want) {
				t.Errorf("families = %v, want %v", got, tc.want)
			}
			// Filtered families are not even pre-rendered.
			for _, f := range s.r.families {
				if !slices.Contains(tc.want, f.name) {
					t.Errorf("%s is filtered out but still in the renderer", f.name)
				}
			}
		})
	}
}

func TestSetOptions(t *testing.T) {
	s := newTestStore(t, StoreOptions{}, richSnapshot())
	if strings.Contains(exposition(t, s), "ehpc_serverless_container_group_tags") {
		t.Fatal("tags exposed without an allowlist")
	}
	if err := s.SetOptions(StoreOptions{TagLabels: []string{"app"}, Deny: []string{"ehpc_serverless_job_info"}}); err != nil {
		t.Fatal(err)
	}
	out := exposition(t, s)
	if !strings.Contains(out, `ehpc_serverless_container_group_tags{cluster_id="ehpc-sh-rich",job_id="10_3",container_group_id="eci-rich",tag_app="hpl"} 1`) {
		t.Errorf("tags missing after SetOptions:\n%s", out)
	}
	if strings.Contains(out, "ehpc_serverless_job_info") {
		t.Error("denied family still served after SetOptions")
	}
	if err := s.SetOptions(StoreOptions{Allow: []string{"("}}); err == nil {
		t.Fatal("bad options accepted")
	}
	if out2 := exposition(t, s); out2 != out {
		t.Error("a failed SetOptions changed the output")
	}
}

// TestPrepareOptions pins the split a reload relies on: preparing refuses
// what SetOptions refuses, with the same error, and changes no store; using
// prepared options is SetOptions without the error.
func TestPrepareOptions(t *testing.T) {
	s := newTestStore(t, StoreOptions{}, richSnapshot())
	before := exposition(t, s)
	bad := StoreOptions{TagLabels: []string{"a-b", "a_b"}}
	_, perr := PrepareOptions(bad)
	serr := s.SetOptions(bad)
	if perr == nil || serr == nil || perr.Error() != serr.Error() {
		t.Fatalf("PrepareOptions error %v, SetOptions error %v: want the same refusal", perr, serr)
	}
	if !strings.Contains(perr.Error(), `"tag_a_b"`) {
		t.Errorf("error does not name the colliding label: %v", perr)
	}
	p, err := PrepareOptions(StoreOptions{TagLabels: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := exposition(t, s); got != before {
		t.Fatal("preparing options changed what the store serves")
	}
	s.UseOptions(p)
	if out := exposition(t, s); !strings.Contains(out, `tag_app="hpl"`) {
		t.Errorf("prepared tag label not served after UseOptions:\n%s", out)
	}
}

// TestStoreConcurrent races writers against scrapes; every scrape must parse
// and hold each job at most once per family.
func TestStoreConcurrent(t *testing.T) {
	s := newTestStore(t, StoreOptions{})
	const writers, rounds = 4, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				sn := richSnapshot()
				sn.Key.JobID = fmt.Sprintf("%d_%d", w, i%20)
				s.Set(sn)
				if i%3 == 0 {
					s.Delete(JobKey{sn.Key.ClusterID, fmt.Sprintf("%d_%d", w, (i+7)%20)})
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 15 {
			var b strings.Builder
			if _, err := s.WriteTo(&b); err != nil {
				t.Error(err)
				return
			}
			if _, err := ParseText(strings.NewReader(b.String())); err != nil {
				t.Error(err)
				return
			}
			seen := map[string]bool{}
			for _, line := range strings.Split(b.String(), "\n") {
				if strings.HasPrefix(line, "ehpc_serverless_job_info{") {
					if seen[line] {
						t.Errorf("served twice: %s", line)
					}
					seen[line] = true
				}
			}
			_ = s.Keys()
			_ = s.All()
		}
	}()
	wg.Wait()
	if err := s.SetOptions(StoreOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.Len() == 0 || s.Len() > writers*20 {
		t.Fatalf("Len() = %d after the race", s.Len())
	}
}
