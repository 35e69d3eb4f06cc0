package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The deployment guides link files and sections of the repository; a moved
// file or a renamed heading must not leave a user at a dead link.
func TestDeploymentDocsLinksResolve(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, doc := range []string{"../docs/GETTING_STARTED.md", "../docs/TROUBLESHOOTING.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			path := doc
			if file != "" {
				path = filepath.Join(filepath.Dir(doc), file)
			}
			content, err := os.ReadFile(path)
			if err != nil {
				if _, serr := os.Stat(path); serr == nil {
					continue // a directory
				}
				t.Errorf("%s: link %s: %v", doc, target, err)
				continue
			}
			if anchor != "" && !hasAnchor(string(content), anchor) {
				t.Errorf("%s: link %s: no heading with that anchor in %s", doc, target, path)
			}
		}
	}
}

// hasAnchor reports whether a Markdown heading of doc has the anchor GitHub
// derives from it: lower case, punctuation dropped, spaces as hyphens.
func hasAnchor(doc, anchor string) bool {
	drop := regexp.MustCompile(`[^a-z0-9 _-]`)
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		h = strings.ReplaceAll(drop.ReplaceAllString(h, ""), " ", "-")
		if h == anchor {
			return true
		}
	}
	return false
}

func TestHasAnchor(t *testing.T) {
	doc := "# Title\n## 6b. On Kubernetes (ACK) with RRSA\n### Import\n"
	for anchor, want := range map[string]bool{
		"title": true, "6b-on-kubernetes-ack-with-rrsa": true, "import": true, "missing": false,
	} {
		if got := hasAnchor(doc, anchor); got != want {
			t.Errorf("hasAnchor(%q) = %v, want %v", anchor, got, want)
		}
	}
}
