package client

import "time"

// The types below mirror the wire format of EHPC 2018-04-12 field for field
// (every field of the published DescribeServerlessJobs sample answer, and the
// documented ListServerlessJobs answer). JSON names are the service's. The
// simulator encodes its answers from these same types, so the two cannot drift.

// DescribeServerlessJobsRequest asks for the details of jobs. The service
// accepts exactly one id per call today; an array job is asked for by sub-task
// id "<arrayJobId>_<index>".
type DescribeServerlessJobsRequest struct {
	ClusterID string
	JobIDs    []string
}

// DescribeServerlessJobsResponse is the answer of DescribeServerlessJobs.
type DescribeServerlessJobsResponse struct {
	RequestID  Text      `json:"RequestId"`
	TotalCount Int64     `json:"TotalCount"`
	JobInfos   []JobInfo `json:"JobInfos"`
}

// JobInfo is one serverless job.
type JobInfo struct {
	JobID           Text             `json:"JobId"`
	JobName         Text             `json:"JobName"`
	State           Text             `json:"State"`
	Priority        Int64            `json:"Priority"`
	Queue           Text             `json:"Queue"`
	User            Text             `json:"User"`
	SubmitTime      Int64            `json:"SubmitTime"`     // Unix seconds, 0 when unset
	StartTime       Int64            `json:"StartTime"`      // Unix seconds, 0 when unset
	EndTime         Int64            `json:"EndTime"`        // Unix seconds, 0 when unset
	LastModifyTime  Int64            `json:"LastModifyTime"` // Unix milliseconds, 0 when unset
	IsArrayJob      Bool             `json:"IsArrayJob"`
	ArrayProperties *ArrayProperties `json:"ArrayProperties,omitempty"`
	ContainerGroups []ContainerGroup `json:"ContainerGroups"`
}

// ArrayProperties describes the index range of an array job.
type ArrayProperties struct {
	IndexStart Int64 `json:"IndexStart"`
	IndexEnd   Int64 `json:"IndexEnd"`
	IndexStep  Int64 `json:"IndexStep"`
}

// ContainerGroup is one ECI instance running (part of) a job.
type ContainerGroup struct {
	ContainerGroupID      Text                `json:"ContainerGroupId"`
	ContainerGroupName    Text                `json:"ContainerGroupName"`
	Status                Text                `json:"Status"`
	InstanceType          Text                `json:"InstanceType"`
	SpotStrategy          Text                `json:"SpotStrategy"`
	SpotPriceLimit        Float64             `json:"SpotPriceLimit"` // price per hour
	Cpu                   Float64             `json:"Cpu"`            // cores
	Memory                Float64             `json:"Memory"`         // GiB
	EphemeralStorage      Float64             `json:"EphemeralStorage"`
	Discount              Float64             `json:"Discount"`
	Containers            []Container         `json:"Containers"`
	InitContainers        []Container         `json:"InitContainers"`
	Volumes               []Volume            `json:"Volumes"`
	Events                []Event             `json:"Events"`
	CreationTime          Text                `json:"CreationTime"` // RFC 3339, empty when unset
	SucceededTime         Text                `json:"SucceededTime"`
	ExpiredTime           Text                `json:"ExpiredTime"`
	FailedTime            Text                `json:"FailedTime"`
	DnsConfig             *DnsConfig          `json:"DnsConfig,omitempty"`
	EciSecurityContext    *EciSecurityContext `json:"EciSecurityContext,omitempty"`
	EniInstanceID         Text                `json:"EniInstanceId"`
	HostAliases           []HostAlias         `json:"HostAliases"`
	InternetIP            Text                `json:"InternetIp"`
	IntranetIP            Text                `json:"IntranetIp"`
	Ipv6Address           Text                `json:"Ipv6Address"`
	RamRoleName           Text                `json:"RamRoleName"`
	RegionID              Text                `json:"RegionId"`
	ResourceGroupID       Text                `json:"ResourceGroupId"`
	RestartPolicy         Text                `json:"RestartPolicy"`
	SecurityGroupID       Text                `json:"SecurityGroupId"`
	Tags                  []Tag               `json:"Tags"`
	TenantEniInstanceID   Text                `json:"TenantEniInstanceId"`
	TenantEniIP           Text                `json:"TenantEniIp"`
	TenantSecurityGroupID Text                `json:"TenantSecurityGroupId"`
	TenantVSwitchID       Text                `json:"TenantVSwitchId"`
	VSwitchID             Text                `json:"VSwitchId"`
	VpcID                 Text                `json:"VpcId"`
	ZoneID                Text                `json:"ZoneId"`
}

// Container is a main or init container. Main containers list their command
// as Commands, init containers as Command; both are kept.
type Container struct {
	Name            Text             `json:"Name"`
	Image           Text             `json:"Image"`
	ImagePullPolicy Text             `json:"ImagePullPolicy"`
	Args            []Text           `json:"Args"`
	Commands        []Text           `json:"Commands,omitempty"`
	Command         []Text           `json:"Command,omitempty"`
	Cpu             Float64          `json:"Cpu"`    // cores
	Memory          Float64          `json:"Memory"` // GiB
	Gpu             Float64          `json:"Gpu"`
	CurrentState    ContainerState   `json:"CurrentState"`
	PreviousState   ContainerState   `json:"PreviousState"`
	Ready           Bool             `json:"Ready"`
	RestartCount    Int64            `json:"RestartCount"`
	EnvironmentVars []EnvVar         `json:"EnvironmentVars"`
	LivenessProbe   *Probe           `json:"LivenessProbe,omitempty"`
	ReadinessProbe  *Probe           `json:"ReadinessProbe,omitempty"`
	Ports           []Port           `json:"Ports"`
	SecurityContext *SecurityContext `json:"SecurityContext,omitempty"`
	Stdin           Bool             `json:"Stdin"`
	StdinOnce       Bool             `json:"StdinOnce"`
	Tty             Bool             `json:"Tty"`
	VolumeMounts    []VolumeMount    `json:"VolumeMounts"`
	WorkingDir      Text             `json:"WorkingDir"`
}

// ContainerState is a container's current or previous state.
type ContainerState struct {
	State        Text  `json:"State"` // Waiting, Running, Terminated
	DetailStatus Text  `json:"DetailStatus"`
	ExitCode     Int64 `json:"ExitCode"`
	Signal       Int64 `json:"Signal"`
	Reason       Text  `json:"Reason"`
	Message      Text  `json:"Message"`
	StartTime    Text  `json:"StartTime"`  // RFC 3339
	FinishTime   Text  `json:"FinishTime"` // RFC 3339
}

// EnvVar is an environment variable of a container.
type EnvVar struct {
	Key       Text          `json:"Key"`
	Value     Text          `json:"Value"`
	ValueFrom *EnvVarSource `json:"ValueFrom,omitempty"`
}

// EnvVarSource says where an environment variable's value comes from.
type EnvVarSource struct {
	FieldRef *FieldRef `json:"FieldRef,omitempty"`
}

// FieldRef points at a field of the container group.
type FieldRef struct {
	FieldPath Text `json:"FieldPath"`
}

// Probe is a liveness or readiness probe.
type Probe struct {
	Execs               []Text     `json:"Execs"`
	FailureThreshold    Int64      `json:"FailureThreshold"`
	HttpGet             *HTTPGet   `json:"HttpGet,omitempty"`
	InitialDelaySeconds Int64      `json:"InitialDelaySeconds"`
	PeriodSeconds       Int64      `json:"PeriodSeconds"`
	SuccessThreshold    Int64      `json:"SuccessThreshold"`
	TcpSocket           *TCPSocket `json:"TcpSocket,omitempty"`
	TimeoutSeconds      Int64      `json:"TimeoutSeconds"`
}

// HTTPGet is an HTTP probe.
type HTTPGet struct {
	Path   Text  `json:"Path"`
	Port   Int64 `json:"Port"`
	Scheme Text  `json:"Scheme"`
}

// TCPSocket is a TCP probe.
type TCPSocket struct {
	Host Text  `json:"Host"`
	Port Int64 `json:"Port"`
}

// Port is a container port.
type Port struct {
	Port     Int64 `json:"Port"`
	Protocol Text  `json:"Protocol"`
}

// SecurityContext is a container's security context.
type SecurityContext struct {
	Capability             *Capability `json:"Capability,omitempty"`
	ReadOnlyRootFilesystem Bool        `json:"ReadOnlyRootFilesystem"`
	RunAsUser              Int64       `json:"RunAsUser"`
}

// Capability lists added Linux capabilities.
type Capability struct {
	Adds []Text `json:"Adds"`
}

// VolumeMount mounts a volume into a container.
type VolumeMount struct {
	MountPath        Text `json:"MountPath"`
	MountPropagation Text `json:"MountPropagation"`
	Name             Text `json:"Name"`
	ReadOnly         Bool `json:"ReadOnly"`
	SubPath          Text `json:"SubPath,omitempty"`
}

// Volume is a volume of a container group.
type Volume struct {
	ConfigFileVolumeConfigFileToPaths []ConfigFileToPath `json:"ConfigFileVolumeConfigFileToPaths"`
	DiskVolumeDiskID                  Text               `json:"DiskVolumeDiskId"`
	DiskVolumeFsType                  Text               `json:"DiskVolumeFsType"`
	EmptyDirVolumeMedium              Text               `json:"EmptyDirVolumeMedium"`
	EmptyDirVolumeSizeLimit           Text               `json:"EmptyDirVolumeSizeLimit"`
	FlexVolumeDriver                  Text               `json:"FlexVolumeDriver"`
	FlexVolumeFsType                  Text               `json:"FlexVolumeFsType"`
	FlexVolumeOptions                 Text               `json:"FlexVolumeOptions"`
	NFSVolumePath                     Text               `json:"NFSVolumePath"`
	NFSVolumeReadOnly                 Bool               `json:"NFSVolumeReadOnly"`
	NFSVolumeServer                   Text               `json:"NFSVolumeServer"`
	Name                              Text               `json:"Name"`
	Type                              Text               `json:"Type"`
}

// ConfigFileToPath is one file of a config-file volume.
type ConfigFileToPath struct {
	Content Text `json:"Content"`
	Path    Text `json:"Path"`
}

// Event is a Kubernetes-style event of a container group (at most 50 kept).
type Event struct {
	Count          Int64 `json:"Count"`
	Type           Text  `json:"Type"` // Normal, Warning
	Reason         Text  `json:"Reason"`
	Message        Text  `json:"Message"`
	Name           Text  `json:"Name"`
	FirstTimestamp Text  `json:"FirstTimestamp"` // RFC 3339
	LastTimestamp  Text  `json:"LastTimestamp"`  // RFC 3339
}

// DnsConfig is a container group's DNS configuration.
type DnsConfig struct {
	NameServers []Text      `json:"NameServers"`
	Options     []DnsOption `json:"Options"`
	Searches    []Text      `json:"Searches"`
}

// DnsOption is one resolver option.
type DnsOption struct {
	Name  Text `json:"Name"`
	Value Text `json:"Value"`
}

// EciSecurityContext holds group-wide security settings.
type EciSecurityContext struct {
	Sysctls []Sysctl `json:"Sysctls"`
}

// Sysctl is one kernel parameter.
type Sysctl struct {
	Name  Text `json:"Name"`
	Value Text `json:"Value"`
}

// HostAlias adds /etc/hosts entries.
type HostAlias struct {
	Hostnames []Text `json:"Hostnames"`
	IP        Text   `json:"Ip"`
}

// Tag is a resource tag.
type Tag struct {
	Key   Text `json:"Key"`
	Value Text `json:"Value"`
}

// ListServerlessJobsRequest filters the jobs of a cluster. Zero values are not
// sent. PageSize is at most 100.
type ListServerlessJobsRequest struct {
	ClusterID       string
	RegionID        string
	PageNumber      int
	PageSize        int
	JobIDs          []string
	JobNames        []string
	State           string // All, Pending, Running, Succeeded, Canceled, Failed
	SubmitOrder     string // Asc, Desc
	StartOrder      string // Asc, Desc
	SubmitTimeStart time.Time
	SubmitTimeEnd   time.Time
}

// ListServerlessJobsResponse is one page of ListServerlessJobs.
type ListServerlessJobsResponse struct {
	RequestID  Text         `json:"RequestId"`
	TotalCount Int64        `json:"TotalCount"`
	PageNumber Int64        `json:"PageNumber"`
	PageSize   Int64        `json:"PageSize"`
	Jobs       []JobSummary `json:"Jobs"`
}

// JobSummary is one job of a ListServerlessJobs page. The documentation gives
// Priority and the times as strings; the flexible types take either form.
type JobSummary struct {
	JobID      Text  `json:"JobId"`
	JobName    Text  `json:"JobName"`
	State      Text  `json:"State"`
	Priority   Int64 `json:"Priority"`
	Queue      Text  `json:"Queue"`
	User       Text  `json:"User"`
	SubmitTime Int64 `json:"SubmitTime"`
	StartTime  Int64 `json:"StartTime"`
	EndTime    Int64 `json:"EndTime"`
	IsArrayJob Bool  `json:"IsArrayJob"`
}

// ErrorResponse is the body of an error answer.
type ErrorResponse struct {
	RequestID Text `json:"RequestId"`
	HostID    Text `json:"HostId"`
	Code      Text `json:"Code"`
	Message   Text `json:"Message"`
	Recommend Text `json:"Recommend"`
}
