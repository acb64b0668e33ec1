package web

// Community is what upvotes, comments, submissions and moderation use.
type Community interface{}

func (s *Server) communityRoutes() {}
