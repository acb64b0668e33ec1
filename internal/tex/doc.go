// Package tex reads the LaTeX in arXiv titles and abstracts. It owns the one
// conversion to plain Unicode text (Text: "$\ell_1$" is ℓ₁), used by the
// search analyzer, the embedding tokenizer, digest mail and the web's
// feeds, <title> and meta tags, and the rendering for pages (HTML: text
// markup as HTML, math as MathML), which web's templates call. It never
// fails: markup it does not know is shown as written, and nothing in the
// input reaches a page as markup.
package tex
