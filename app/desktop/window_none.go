//go:build !desktop

package desktop

import "context"

// Built reports whether this binary has the desktop window.
const Built = false

// Open returns ErrNotBuilt: this binary has no window (see the package doc).
func Open(ctx context.Context, o Options) error {
	if err := openCtx(ctx, o); err != nil {
		return err
	}
	return ErrNotBuilt
}
