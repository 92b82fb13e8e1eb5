package api

import "net/http"

// routesKeys registers API key management.
func (s *Server) routesKeys(mux *http.ServeMux) {}
