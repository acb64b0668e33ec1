package web

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// The /help/api page is generated from the OpenAPI document that
// /api/openapi.json serves, so that the two cannot drift apart.

// apiDoc is the OpenAPI document as the help page shows it.
type apiDoc struct {
	Title, Description string
	AuthHelp           string // how to authenticate, from the security scheme
	Operations         []apiOperation
	Schemas            []apiSchema
}

// apiOperation is one method on one path.
type apiOperation struct {
	ID, Method, Path     string
	Summary, Description string
	Auth                 bool // needs a token or a session
	Params               []apiField
	Body                 *apiBody
	Responses            []apiResponse
	// Example is a request built from the parameters' examples and
	// defaults; ExampleLink is set when a browser can follow it (a GET
	// without authentication).
	Example, ExampleLink string
}

// apiField is a parameter, or a property of a schema or a request body.
type apiField struct {
	Name, In, Type, Description, Default, Example string
	Required                                      bool
}

type apiBody struct {
	ContentType string
	Type        string
	Fields      []apiField
}

type apiResponse struct {
	Status, Description, ContentType, Type string
	Schema                                 string // the named schema Type refers to, if any
	Headers                                []string
}

type apiSchema struct {
	Name, Description string
	Fields            []apiField
}

// openAPI mirrors the parts of an OpenAPI 3.1 document the page shows.
type openAPI struct {
	Info struct {
		Title, Description string
	}
	Paths      map[string]map[string]openAPIOperation
	Components struct {
		Schemas         map[string]jsonSchema
		Responses       map[string]openAPIResponse
		SecuritySchemes map[string]struct{ Description string }
	}
}

type openAPIOperation struct {
	Summary, Description string
	Security             []map[string][]string
	Parameters           []struct {
		Name, In, Description string
		Required              bool
		Schema                jsonSchema
		Example               any
	}
	RequestBody *struct {
		Content map[string]struct{ Schema jsonSchema }
	}
	Responses map[string]openAPIResponse
}

type openAPIResponse struct {
	Ref         string `json:"$ref"`
	Description string
	Headers     map[string]json.RawMessage
	Content     map[string]struct{ Schema jsonSchema }
}

type jsonSchema struct {
	Ref         string `json:"$ref"`
	Type        any    // a name or a list of names ("string", ["string", "null"])
	Format      string
	Pattern     string
	Enum        []any
	Default     any
	Example     any
	Minimum     *float64
	Maximum     *float64
	Description string
	Items       *jsonSchema
	OneOf       []jsonSchema
	AnyOf       []jsonSchema
	Properties  map[string]jsonSchema
	Required    []string
}

// methodOrder lists a path's methods in the order of a CRUD reader.
var methodOrder = []string{"get", "post", "put", "patch", "delete"}

// newAPIDoc reads an OpenAPI document for the help page.
func newAPIDoc(raw []byte) (*apiDoc, error) {
	var doc openAPI
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("web: read openapi.json: %w", err)
	}
	d := &apiDoc{Title: doc.Info.Title, Description: doc.Info.Description}
	if tok, ok := doc.Components.SecuritySchemes["token"]; ok {
		d.AuthHelp = tok.Description
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for _, m := range methodOrder {
			op, ok := doc.Paths[p][m]
			if !ok {
				continue
			}
			d.Operations = append(d.Operations, operationDoc(&doc, p, m, op))
		}
		for m := range doc.Paths[p] {
			if !slices.Contains(methodOrder, m) {
				return nil, fmt.Errorf("web: openapi.json: %s %s: a method the help page does not show", m, p)
			}
		}
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := doc.Components.Schemas[n]
		d.Schemas = append(d.Schemas, apiSchema{Name: n, Description: s.Description, Fields: propertyFields(s)})
	}
	return d, nil
}

func operationDoc(doc *openAPI, path, method string, op openAPIOperation) apiOperation {
	o := apiOperation{
		ID:     "op-" + method + strings.NewReplacer("/", "-", "{", "", "}", "", ".", "-").Replace(path),
		Method: strings.ToUpper(method), Path: path, Summary: op.Summary, Description: op.Description,
		Auth: len(op.Security) > 0,
	}
	example, query := path, url.Values{}
	for _, p := range op.Parameters {
		f := apiField{Name: p.Name, In: p.In, Required: p.Required, Type: schemaType(p.Schema),
			Description: cmp.Or(p.Description, p.Schema.Description), Default: docValue(p.Schema.Default),
			Example: cmp.Or(docValue(p.Example), docValue(p.Schema.Example))}
		o.Params = append(o.Params, f)
		value := cmp.Or(f.Example, f.Default)
		switch {
		case p.In == "path":
			example = strings.ReplaceAll(example, "{"+p.Name+"}", cmp.Or(value, p.Name))
		case p.In == "query" && (f.Example != "" || p.Required):
			query.Set(p.Name, cmp.Or(value, p.Name))
		}
	}
	if len(query) > 0 {
		example += "?" + query.Encode()
	}
	o.Example = o.Method + " " + example
	if o.Method == "GET" && !o.Auth {
		o.ExampleLink = example
	}
	if rb := op.RequestBody; rb != nil {
		if cts := sortedKeys(rb.Content); len(cts) > 0 {
			s := rb.Content[cts[0]].Schema
			// A file's routes take several media types: all are named.
			o.Body = &apiBody{ContentType: strings.Join(cts, ", "), Type: schemaType(s), Fields: propertyFields(s)}
		}
	}
	for _, status := range sortedKeys(op.Responses) {
		r := op.Responses[status]
		if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
			r = doc.Components.Responses[name]
		}
		resp := apiResponse{Status: status, Description: r.Description, Headers: sortedKeys(r.Headers)}
		if cts := sortedKeys(r.Content); len(cts) > 0 {
			body := r.Content[cts[0]].Schema
			resp.ContentType, resp.Type, resp.Schema = strings.Join(cts, ", "), schemaType(body), schemaName(body)
		}
		o.Responses = append(o.Responses, resp)
	}
	return o
}

// schemaName is the named schema s is, or is an array of ("" if none).
func schemaName(s jsonSchema) string {
	if s.Items != nil {
		s = *s.Items
	}
	name, _ := strings.CutPrefix(s.Ref, "#/components/schemas/")
	return name
}

// propertyFields lists an object schema's properties, required ones first.
func propertyFields(s jsonSchema) []apiField {
	var fields []apiField
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name]
		fields = append(fields, apiField{Name: name, Type: schemaType(p), Description: p.Description,
			Required: slices.Contains(s.Required, name), Default: docValue(p.Default), Example: docValue(p.Example)})
	}
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Required && !fields[j].Required })
	return fields
}

// schemaType describes a schema in a few words: "string (date)",
// "array of Paper", "integer, 1 to 100".
func schemaType(s jsonSchema) string {
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		return name
	}
	var alts []jsonSchema
	alts = append(alts, s.OneOf...)
	alts = append(alts, s.AnyOf...)
	if len(alts) > 0 {
		parts := make([]string, len(alts))
		for i, a := range alts {
			parts[i] = schemaType(a)
		}
		return strings.Join(parts, " or ")
	}
	var t string
	switch v := s.Type.(type) {
	case string:
		t = v
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			parts = append(parts, fmt.Sprint(x))
		}
		t = strings.Join(parts, " or ")
	}
	if t == "array" && s.Items != nil {
		t = "array of " + schemaType(*s.Items)
	}
	if t == "" && len(s.Properties) > 0 {
		t = "object"
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = docValue(v)
		}
		t += ": " + strings.Join(vals, ", ")
	}
	switch {
	case s.Minimum != nil && s.Maximum != nil:
		t += fmt.Sprintf(", %g to %g", *s.Minimum, *s.Maximum)
	case s.Minimum != nil:
		t += fmt.Sprintf(", at least %g", *s.Minimum)
	}
	if s.Pattern != "" {
		t += ", matching " + s.Pattern
	}
	return t
}

// docValue writes a JSON value as the page shows it: strings bare.
func docValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// apiFeeds are the feeds the help page lists, each an example to follow.
var apiFeeds = []struct{ Path, About string }{
	{"/feeds/daily.rss", "the daily list"},
	{"/feeds/trending.rss", "trending papers"},
	{"/feeds/search.rss?q=attention", "a search (q in the query language)"},
	{"/feeds/category.rss?c=cs.LG", "new papers in a category"},
	{"/feeds/author.rss?name=Yann+LeCun", "papers by an author"},
}

type helpAPIPage struct {
	Page
	API   *apiDoc
	Feeds []struct{ Path, About string }
}

// helpAPI serves /help/api, generated from the OpenAPI document.
func (s *Server) helpAPI(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "help_api.html", &helpAPIPage{
		Page: Page{Title: "API", Canonical: r.URL.Path, Description: "paperboy's JSON API: every endpoint, parameter and response, from its OpenAPI document."},
		API:  s.apiDoc, Feeds: apiFeeds,
	})
}
