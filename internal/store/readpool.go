package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// readPool is the pool reads go through. On SQLite it keeps each query's
// prepared statement: the driver parses and plans a query on every call,
// which was a tenth of an uncached daily page. (pgx keeps statements
// itself.)
type readPool struct {
	*sql.DB
	prepare bool
	stmts   sync.Map // query text → *sql.Stmt
	n       atomic.Int32
}

// maxStatements bounds the statements kept; queries past it (such as
// id lists of unusual lengths) are prepared each time.
const maxStatements = 256

func (p *readPool) stmt(ctx context.Context, query string) *sql.Stmt {
	if !p.prepare {
		return nil
	}
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	if p.n.Load() >= maxStatements {
		return nil
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil // the plain call reports the error
	}
	if prev, loaded := p.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	p.n.Add(1)
	return st
}

func (p *readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

func (p *readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}
