package web

import (
	"html/template"
	"strings"
)

// headFuncs are the template functions of the pages' <head>.
func (s *Server) headFuncs() template.FuncMap {
	return template.FuncMap{
		// absURL makes a site path absolute on the configured base URL:
		// search engines and Lighthouse want canonical links absolute, and
		// the base URL (never a request's Host) is the site's public name.
		"absURL": func(path string) string {
			if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
				return path
			}
			return s.baseURL + "/" + strings.TrimPrefix(path, "/")
		},
	}
}
