package api

import "net/http"

// routesV2 registers Studio's v2 REST API.
func (s *Server) routesV2(mux *http.ServeMux) {}
