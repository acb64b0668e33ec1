package cli

// userCmd manages accounts from the command line.
type userCmd struct{}

// tokenCmd manages personal API tokens.
type tokenCmd struct{}
