package authorname

import "testing"

func TestKeyMatchesTheFormsOfOneName(t *testing.T) {
	tests := []struct {
		in, key, initial string
	}{
		{"Ada Lovelace", "ada lovelace", "a lovelace"},
		{"Lovelace, Ada", "ada lovelace", "a lovelace"},
		{"  ADA   LOVELACE ", "ada lovelace", "a lovelace"},
		{"A. Lovelace", "a lovelace", "a lovelace"},
		{"Ada A. Lovelace", "ada a lovelace", "a lovelace"},
		{"Paul Erdős", "paul erdos", "p erdos"},
		{"Erdős, Pál", "pal erdos", "p erdos"},
		{"Gödel, Kurt", "kurt godel", "k godel"},
		{"José María Álvarez-Pérez", "jose maria alvarez perez", "j perez"},
		{"J.-P. Serre", "j p serre", "j serre"},
		{"Jean-Pierre Serre", "jean pierre serre", "j serre"},
		{"Johannes Diderik van der Waals", "johannes diderik van der waals", "j van der waals"},
		{"van der Waals, Johannes Diderik", "johannes diderik van der waals", "j van der waals"},
		{"Ludwig van Beethoven", "ludwig van beethoven", "l van beethoven"},
		{"Martin Luther King, Jr.", "martin luther king", "m king"},
		{"Søren Kierkegaard", "soren kierkegaard", "s kierkegaard"},
		{"Łukasz Kaiser", "lukasz kaiser", "l kaiser"},
		{"Dominik Groß", "dominik gross", "d gross"},
		{"Andrew Ng", "andrew ng", "a ng"},
		{"Sean O'Neil", "sean o'neil", "s o'neil"},
		{"张伟", "张伟", "张伟"},
		{"Zhang Wei (张伟)", "zhang wei 张伟", "z 张伟"},
		{"山田 太郎", "山田 太郎", "山 太郎"},
		{"Ng", "ng", "ng"},
		{"", "", ""},
		{"., ;", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Key(tt.in); got != tt.key {
				t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.key)
			}
			if got := InitialKey(tt.in); got != tt.initial {
				t.Errorf("InitialKey(%q) = %q, want %q", tt.in, got, tt.initial)
			}
			if again := Key(Key(tt.in)); again != Key(tt.in) {
				t.Errorf("Key is not idempotent on %q: %q", tt.in, again)
			}
			if again := InitialKey(Key(tt.in)); again != tt.initial {
				t.Errorf("InitialKey(Key(%q)) = %q, want %q", tt.in, again, tt.initial)
			}
		})
	}
}

func TestIsInitials(t *testing.T) {
	for key, want := range map[string]bool{
		"a lovelace": true, "j p serre": true, "ada lovelace": false, "ada a lovelace": false, "ng": false,
	} {
		if got := IsInitials(key); got != want {
			t.Errorf("IsInitials(%q) = %v, want %v", key, got, want)
		}
	}
}
