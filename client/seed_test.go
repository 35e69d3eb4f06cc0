package client

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

// wantSeed is the published sample answer as the client must decode it:
// every field, values trimmed, units as sent.
func wantSeed() *DescribeServerlessJobsResponse {
	fieldRef := &EnvVarSource{FieldRef: &FieldRef{FieldPath: "status.podIP"}}
	return &DescribeServerlessJobsResponse{
		RequestID:  "04F0F334-1335-436C-A1D7-6C044FE73368",
		TotalCount: 1,
		JobInfos: []JobInfo{{
			JobID:           "5",
			JobName:         "testjob",
			State:           "Running",
			Priority:        9,
			Queue:           "comp",
			User:            "testuser",
			SubmitTime:      1647423718,
			StartTime:       1647427667,
			EndTime:         1662016121,
			LastModifyTime:  1663831441000,
			IsArrayJob:      false,
			ArrayProperties: &ArrayProperties{IndexStart: 1, IndexEnd: 5, IndexStep: 2},
			ContainerGroups: []ContainerGroup{{
				ContainerGroupID:   "eci-bp1jrgfqqy54kg5hc****",
				ContainerGroupName: "test",
				Status:             "Running",
				InstanceType:       "ecs.g5.large",
				SpotStrategy:       "NoSpot",
				SpotPriceLimit:     0.025,
				Cpu:                2,
				Memory:             4,
				Containers: []Container{{
					Args:     []Text{"hello.py"},
					Commands: []Text{"/usr/bin/python"},
					Cpu:      2,
					CurrentState: ContainerState{
						DetailStatus: "working",
						ExitCode:     0,
						FinishTime:   "2018-08-02T15:00:00Z",
						Message:      "Back-off 5m0s restarting failed container=test pod=test_eci-xxx(xxx)",
						Reason:       "Started",
						Signal:       1,
						StartTime:    "2019-12-19T12:05:02Z",
						State:        "Terminated",
					},
					EnvironmentVars: []EnvVar{{Key: "PATH", Value: "/usr/bin/", ValueFrom: fieldRef}},
					Gpu:             1,
					Image:           "HPL",
					ImagePullPolicy: "Always",
					LivenessProbe: &Probe{
						Execs:               []Text{`["/bin/sh", "-c", "echo Hello world > /usr/share/message"]`},
						FailureThreshold:    3,
						HttpGet:             &HTTPGet{Path: "/usr/nginx/", Port: 80, Scheme: "HTTP"},
						InitialDelaySeconds: 10,
						PeriodSeconds:       5,
						SuccessThreshold:    1,
						TcpSocket:           &TCPSocket{Host: "1.2.3.4", Port: 80},
						TimeoutSeconds:      10,
					},
					Memory: 4,
					Name:   "HPL",
					Ports:  []Port{{Port: 8080, Protocol: "TCP"}},
					PreviousState: ContainerState{
						DetailStatus: "working",
						ExitCode:     0,
						FinishTime:   "2018-08-02T15:00:00Z",
						Message:      "Back-off 5m0s restarting failed container=test pod=test_eci-xxx(xxx)",
						Reason:       "Completed",
						Signal:       1,
						StartTime:    "2018-08-02T15:00:00Z",
						State:        "Terminated",
					},
					ReadinessProbe: &Probe{
						Execs:               []Text{"[\n \"/bin/sh\",\n \"-c\",\n \"echo Hello world > /usr/share/message\"\n]"},
						FailureThreshold:    3,
						HttpGet:             &HTTPGet{Path: "/usr/local", Port: 8080, Scheme: "HTTP"},
						InitialDelaySeconds: 10,
						PeriodSeconds:       5,
						SuccessThreshold:    1,
						TcpSocket:           &TCPSocket{Host: "1.2.3.4", Port: 8888},
						TimeoutSeconds:      1,
					},
					Ready:        true,
					RestartCount: 5,
					SecurityContext: &SecurityContext{
						Capability:             &Capability{Adds: []Text{"NET_ADMIN"}},
						ReadOnlyRootFilesystem: true,
						RunAsUser:              1558,
					},
					Stdin:        true,
					StdinOnce:    true,
					Tty:          false,
					VolumeMounts: []VolumeMount{{MountPath: "/usr/share/", MountPropagation: "None", Name: "test-empty", ReadOnly: false, SubPath: "/usr/sub"}},
					WorkingDir:   "/usr/local/nginx",
				}},
				Volumes: []Volume{{
					ConfigFileVolumeConfigFileToPaths: []ConfigFileToPath{{Content: "hello world", Path: "/usr/bin/"}},
					DiskVolumeDiskID:                  "d-xxxx",
					DiskVolumeFsType:                  "xfs",
					EmptyDirVolumeMedium:              "Memory",
					EmptyDirVolumeSizeLimit:           "256Mi",
					FlexVolumeDriver:                  "flexvolume",
					FlexVolumeFsType:                  "ntfs",
					FlexVolumeOptions:                 "[nolock,tcp,noresvport]",
					NFSVolumePath:                     "/eci",
					NFSVolumeReadOnly:                 false,
					NFSVolumeServer:                   "0eafxxxxx-xxxxx.cn-hangzhou.nas.aliyuncs.com",
					Name:                              "test-empty",
					Type:                              "EmptyDirVolume",
				}},
				Events: []Event{{
					Count:          20,
					FirstTimestamp: "2018-08-02T15:00:00Z",
					LastTimestamp:  "2018-08-02T15:00:00Z",
					Message:        "Started container",
					Name:           "test-xxx",
					Reason:         "Created",
					Type:           "Normal",
				}},
				CreationTime:  "2018-08-02T15:00:00Z",
				SucceededTime: "2019-12-11T04:33:42Z",
				ExpiredTime:   "2018-08-02T15:00:00Z",
				FailedTime:    "2018-08-02T15:00:00Z",
				Discount:      9,
				DnsConfig: &DnsConfig{
					NameServers: []Text{"[10.2.*.*]"},
					Options:     []DnsOption{{Name: "name", Value: "value"}},
					Searches:    []Text{"svc.local.kubenetes"},
				},
				EciSecurityContext: &EciSecurityContext{Sysctls: []Sysctl{{Name: "kernel.msgmax", Value: "65536"}}},
				EniInstanceID:      "eni-bp14rzqi6fd8satm****",
				EphemeralStorage:   20,
				HostAliases:        []HostAlias{{Hostnames: []Text{"['hehe.com', 'haha.com']"}, IP: "192.0.XX.XX"}},
				InitContainers: []Container{{
					Args:    []Text{"['hello world']"},
					Command: []Text{"[/bin/sh echo]"},
					Cpu:     1,
					CurrentState: ContainerState{
						DetailStatus: "working",
						ExitCode:     0,
						FinishTime:   "2018-08-02T15:00:00Z",
						Message:      "Created container",
						Reason:       "Started",
						Signal:       1,
						StartTime:    "2018-08-02T15:00:00Z",
						State:        "Running",
					},
					EnvironmentVars: []EnvVar{{Key: "PATH", Value: "/usr/local/bin", ValueFrom: fieldRef}},
					Gpu:             1,
					Image:           "nginx",
					ImagePullPolicy: "Always",
					Memory:          2,
					Name:            "Init-xxx",
					Ports:           []Port{{Port: 8888, Protocol: "TCP"}},
					PreviousState: ContainerState{
						DetailStatus: "working",
						ExitCode:     0,
						FinishTime:   "2019-12-24T05:35:44Z",
						Message:      "Started container",
						Reason:       "completed",
						Signal:       1,
						StartTime:    "2019-12-24T05:35:44Z",
						State:        "Terminated",
					},
					Ready:        true,
					RestartCount: 5,
					SecurityContext: &SecurityContext{
						Capability:             &Capability{Adds: []Text{"NET_ADMIN"}},
						ReadOnlyRootFilesystem: true,
						RunAsUser:              1557,
					},
					VolumeMounts: []VolumeMount{{MountPath: "/usr/share/", MountPropagation: "None", Name: "test-empty", ReadOnly: false}},
					WorkingDir:   "/usr/test",
				}},
				InternetIP:            "192.0.XX.XX",
				IntranetIP:            "172.16.XX.XX",
				Ipv6Address:           "2001:XXXX:4:4:4:4:4:4",
				RamRoleName:           "ram:PassRole",
				RegionID:              "cn-hangzhou",
				ResourceGroupID:       "rg-aekzh43v*****",
				RestartPolicy:         "Never",
				SecurityGroupID:       "sg-bp12ujq5zpxuyjfo3o8r",
				Tags:                  []Tag{{Key: "name", Value: "test-xh"}},
				TenantEniInstanceID:   "i-xxx",
				TenantEniIP:           "10.10.XX.XX",
				TenantSecurityGroupID: "sg-xxx",
				TenantVSwitchID:       "vsw-xxx",
				VSwitchID:             "vsw-bp1vzjjflab6wvjox****",
				VpcID:                 "vpc-1vzjjflab6wvjox****",
				ZoneID:                "cn-hangzhou-h",
			}},
		}},
	}
}

// TestDescribeSeedAnswerVerbatim serves the published sample bytes through a
// signature-checking server and compares the decoded answer field by field.
func TestDescribeSeedAnswerVerbatim(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, string(seed.DescribeServerlessJobs))
	})
	c := newTestClient(t, f, nil)
	got, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: seed.ClusterID, JobIDs: []string{seed.JobID}})
	if err != nil {
		t.Fatalf("DescribeServerlessJobs: %v", err)
	}
	want := wantSeed()
	if !reflect.DeepEqual(got, want) {
		diffStruct(t, "answer", reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem())
	}

	// The values the exporter leans on hardest, spelled out.
	ci := got.JobInfos[0].ContainerGroups[0].Containers[0]
	if ci.CurrentState.State != "Terminated" {
		t.Errorf("CurrentState.State = %q, want the trimmed \"Terminated\"", ci.CurrentState.State)
	}
	if ts, ok := ci.CurrentState.StartTime.Time(); !ok || ts.Unix() != 1576757102 {
		t.Errorf("CurrentState.StartTime = %q parses to %v/%v, want 2019-12-19T12:05:02Z", ci.CurrentState.StartTime, ts, ok)
	}
	if ci.EnvironmentVars[0].Key != "PATH" {
		t.Errorf("EnvironmentVars[0].Key = %q, want \"PATH\"", ci.EnvironmentVars[0].Key)
	}
	if got.JobInfos[0].LastModifyTime != 1663831441000 {
		t.Errorf("LastModifyTime = %d, want 1663831441000 (ms)", got.JobInfos[0].LastModifyTime)
	}
	if got.JobInfos[0].ContainerGroups[0].Memory != 4 {
		t.Errorf("Memory = %v, want 4", got.JobInfos[0].ContainerGroups[0].Memory)
	}
}

// diffStruct reports each differing leaf, so a failure names the field.
func diffStruct(t *testing.T, path string, got, want reflect.Value) {
	t.Helper()
	switch got.Kind() {
	case reflect.Pointer:
		if got.IsNil() != want.IsNil() {
			t.Errorf("%s: nil=%v, want nil=%v", path, got.IsNil(), want.IsNil())
			return
		}
		if !got.IsNil() {
			diffStruct(t, path, got.Elem(), want.Elem())
		}
	case reflect.Struct:
		for i := 0; i < got.NumField(); i++ {
			diffStruct(t, path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i))
		}
	case reflect.Slice:
		if got.Len() != want.Len() {
			t.Errorf("%s: len %d, want %d", path, got.Len(), want.Len())
			return
		}
		for i := 0; i < got.Len(); i++ {
			diffStruct(t, path+"["+strconv.Itoa(i)+"]", got.Index(i), want.Index(i))
		}
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			t.Errorf("%s = %#v, want %#v", path, got.Interface(), want.Interface())
		}
	}
}

// TestListAnswerWithStringNumbers decodes a ListServerlessJobs page whose
// numbers come as strings, as the documentation shows them.
func TestListAnswerWithStringNumbers(t *testing.T) {
	const answer = `{
  "RequestId": "2A9C1E7B-0000-4C3D-9E8F-LIST00000001",
  "TotalCount": "2",
  "PageNumber": "1",
  "PageSize": "100",
  "Jobs": [
    {"JobId": "5", "JobName": "testjob", "State": "Running\n", "Priority": "9", "Queue": "comp",
     "User": "testuser", "SubmitTime": "1647423718", "StartTime": "1647427667", "EndTime": "",
     "IsArrayJob": "false"},
    {"JobId": "10", "JobName": "arr", "State": "Pending", "Priority": 1, "Queue": "comp",
     "User": "u2", "SubmitTime": 1647423800, "StartTime": null, "EndTime": "0",
     "IsArrayJob": true, "SomeFutureField": {"x": 1}}
  ]
}`
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, 200, answer) })
	c := newTestClient(t, f, nil)
	got, err := c.ListServerlessJobs(context.Background(), ListServerlessJobsRequest{ClusterID: seed.ClusterID, PageNumber: 1, PageSize: 100})
	if err != nil {
		t.Fatalf("ListServerlessJobs: %v", err)
	}
	want := &ListServerlessJobsResponse{
		RequestID: "2A9C1E7B-0000-4C3D-9E8F-LIST00000001", TotalCount: 2, PageNumber: 1, PageSize: 100,
		Jobs: []JobSummary{
			{JobID: "5", JobName: "testjob", State: "Running", Priority: 9, Queue: "comp", User: "testuser", SubmitTime: 1647423718, StartTime: 1647427667, EndTime: 0, IsArrayJob: false},
			{JobID: "10", JobName: "arr", State: "Pending", Priority: 1, Queue: "comp", User: "u2", SubmitTime: 1647423800, StartTime: 0, EndTime: 0, IsArrayJob: true},
		},
	}
	if !reflect.DeepEqual(got, want) {
		diffStruct(t, "answer", reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem())
	}
}
