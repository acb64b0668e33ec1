package lexical_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-dev/paperboy/internal/search/lexical"
)

func Example() {
	ix := lexical.New()
	err := ix.Add(
		lexical.Document{ID: "2501.00001", Title: "Pre-training graph transformers", Abstract: "We pre-train on molecules.",
			Authors: []string{"Ada Lovelace"}, Categories: []string{"cs.LG"}, Date: time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)},
		lexical.Document{ID: "2502.00002", Title: "LoRA for ranking", Abstract: "Low-rank adapters for GPT-4o.",
			Authors: []string{"Alan Turing"}, Categories: []string{"cs.IR"}, Date: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)},
	)
	if err != nil {
		panic(err)
	}
	res, err := ix.Search(context.Background(), lexical.Request{Query: "pretraining cat:cs", Limit: 10})
	if err != nil {
		panic(err)
	}
	for _, h := range res.Hits {
		fmt.Println(h.ID)
		var b strings.Builder
		for _, f := range lexical.Highlight("Pre-training graph transformers", res.Query) {
			if f.Match {
				fmt.Fprintf(&b, "[%s]", f.Text)
			} else {
				b.WriteString(f.Text)
			}
		}
		fmt.Println(b.String())
	}
	// Output:
	// 2501.00001
	// [Pre-training] graph transformers
}
