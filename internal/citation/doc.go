// Package citation reads and writes the formats reference managers
// exchange: BibTeX (Zotero, Mendeley, JabRef, Google Scholar), RIS, and
// plain lists of arXiv ids, arXiv URLs and DOIs on the way in; BibTeX,
// RIS and CSL-JSON on the way out. It matches what it reads to stored
// papers (by arXiv id, then DOI, then title) through a small interface,
// so the library and the CLI can import and export alike.
//
// A file is parsed whole before anything is matched: a bad one is
// rejected with the line of its first error, and nothing is imported.
package citation
