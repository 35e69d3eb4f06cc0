package poller

import "fmt"

// sharder decides which jobs this exporter instance owns. Several instances
// with the same configuration and different shard numbers split the jobs of
// every cluster between them, the way kube-state-metrics splits objects: a
// job belongs to exactly one shard, decided by a hash of its key alone, so no
// coordination between instances is needed.
type sharder struct {
	shard, total uint64
}

func newSharder(shard, total int) (sharder, error) {
	if total < 1 {
		return sharder{}, fmt.Errorf("total shards must be at least 1, got %d", total)
	}
	if shard < 0 || shard >= total {
		return sharder{}, fmt.Errorf("shard must be in [0, %d) for %d total shards, got %d", total, total, shard)
	}
	return sharder{shard: uint64(shard), total: uint64(total)}, nil
}

// owns reports whether the job belongs to this shard: FNV-1a 64 of
// "<clusterID>/<jobID>" modulo the number of shards.
func (s sharder) owns(clusterID, jobID string) bool {
	if s.total <= 1 {
		return true
	}
	return shardHash(clusterID, jobID)%s.total == s.shard
}

// shardHash is FNV-1a 64 over clusterID + "/" + jobID, computed in place
// because ownership is checked for every sibling of large array jobs and the
// hash.Hash64 route would allocate for each.
func shardHash(clusterID, jobID string) uint64 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for i := 0; i < len(clusterID); i++ {
		h ^= uint64(clusterID[i])
		h *= prime64
	}
	h ^= '/'
	h *= prime64
	for i := 0; i < len(jobID); i++ {
		h ^= uint64(jobID[i])
		h *= prime64
	}
	return h
}
