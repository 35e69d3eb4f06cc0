package proctest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is a started child whose stdout and stderr go to one TailBuffer.
type Process struct {
	cmd  *exec.Cmd
	out  *TailBuffer
	done chan struct{}
	err  error // of Wait, once done is closed
}

// Start starts cmd, which the caller has set up (path, arguments,
// environment, directory), keeping the last keep bytes of its combined
// output; a Stdout or Stderr already set is replaced.
func Start(cmd *exec.Cmd, keep int) (*Process, error) {
	p := &Process{cmd: cmd, out: NewTailBuffer(keep), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Output is the kept output.
func (p *Process) Output() *TailBuffer { return p.out }

// Pid is the child's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the child.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Done is closed once the child has exited and its output is copied.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the child has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is how the child ended (exec.Cmd.Wait's error); nil until it has.
func (p *Process) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Wait waits until the child exits, and returns how it ended, or until ctx
// ends.
func (p *Process) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("%s still running: %w", p.cmd.Path, ctx.Err())
	}
}

// Stop asks the child to shut down with SIGTERM, kills it if it has not
// exited after grace, and returns how it ended.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() {
		return p.err
	}
	if err := p.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", p.cmd.Path, err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}
