package semantic

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A damaged file in the data directory must not stop a server: the lexical
// index is rebuilt when it cannot be read, and so are the vectors, from the
// saved model and the papers in the store. Only a damaged model needs the
// operator: training chooses its size and seed and can take hours, which a
// server should not decide on its own. Meanwhile search answers from words
// alone, and says so.

// ErrModelDamaged wraps a failure to read the saved model (or the record
// of the provider that made the vectors), or its absence beside vectors.
var ErrModelDamaged = errors.New("semantic: the embedding model is damaged or missing; run 'paperboy embed train'")

// ErrVectorsDamaged wraps a failure to read the saved vectors or their
// feed position while the model is sound: Live.Rebuild makes them again.
var ErrVectorsDamaged = errors.New("semantic: the saved vectors are damaged")

// damaged wraps err as kind. The cause is kept as text only: a damaged
// file must not read as fs.ErrNotExist, which means nothing was trained.
func damaged(kind, err error) error {
	return fmt.Errorf("%w: %v", kind, err)
}

// ModelStamp identifies the model saved in dir by its file's size and
// modification time ("" when there is none), so that a holder of an Index
// can tell that 'paperboy embed train' replaced it meanwhile.
func ModelStamp(dir string) string {
	fi, err := os.Stat(filepath.Join(dir, modelFile))
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
}
