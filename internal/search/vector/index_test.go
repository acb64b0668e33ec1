package vector

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// clustered returns n unit vectors of dim dimensions around c random
// centres (noise sd relative to the centre), and the ids "v0".."v(n-1)".
func clustered(n, dim, c int, noise float64, seed uint64) ([]string, [][]float32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float64, c)
	for i := range centres {
		centres[i] = make([]float64, dim)
		for j := range centres[i] {
			centres[i][j] = rng.NormFloat64()
		}
	}
	ids := make([]string, n)
	vecs := make([][]float32, n)
	sd := noise
	for i := range vecs {
		ctr := centres[rng.IntN(c)]
		v := make([]float32, dim)
		var norm float64
		for j := range v {
			x := ctr[j] + sd*rng.NormFloat64()
			v[j] = float32(x)
			norm += x * x
		}
		inv := float32(1 / math.Sqrt(norm))
		for j := range v {
			v[j] *= inv
		}
		ids[i] = fmt.Sprintf("v%d", i)
		vecs[i] = v
	}
	return ids, vecs
}

// recall is the share of the exact top k that approx found, over queries.
func recall(t testing.TB, ix *Index, queries [][]float32, k int) float64 {
	t.Helper()
	var found, total int
	for _, q := range queries {
		want, err := ix.SearchExact(q, k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ix.Search(q, k)
		if err != nil {
			t.Fatal(err)
		}
		in := map[string]bool{}
		for _, h := range got {
			in[h.ID] = true
		}
		for _, h := range want {
			if in[h.ID] {
				found++
			}
		}
		total += len(want)
	}
	return float64(found) / float64(total)
}

func build(t testing.TB, ids []string, vecs [][]float32, opts Options) *Index {
	t.Helper()
	ix := New(len(vecs[0]), opts)
	for i, id := range ids {
		if err := ix.Add(id, vecs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

func TestExactSearchRanksByInnerProduct(t *testing.T) {
	ix := New(2, Options{})
	for id, v := range map[string][]float32{"a": {1, 0}, "b": {0.6, 0.8}, "c": {0, 1}, "d": {-1, 0}} {
		ix.Add(id, v)
	}
	got, _ := ix.Search([]float32{0.8, 0.6}, 3)
	var ids []string
	for _, h := range got {
		ids = append(ids, h.ID)
	}
	if want := []string{"b", "a", "c"}; !slices.Equal(ids, want) {
		t.Errorf("Search = %v, want %v", ids, want)
	}
	if math.Abs(float64(got[0].Score)-0.96) > 1e-6 {
		t.Errorf("score %v, want 0.96", got[0].Score)
	}
	if _, err := ix.Search([]float32{1}, 3); err == nil {
		t.Error("a query of the wrong dimension was accepted")
	}
}

func TestScoreRanksTheGivenIDs(t *testing.T) {
	ids, vecs := clustered(3000, 16, 20, 0.5, 4)
	ix := build(t, ids, vecs, Options{Seed: 1})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := vecs[7]
	some := []string{ids[5], "missing", ids[2900], ids[7], ids[1200]}
	got, err := ix.Score(q, some)
	if err != nil {
		t.Fatal(err)
	}
	exact, _ := ix.SearchExact(q, len(ids))
	var want []Hit
	for _, h := range exact {
		if slices.Contains(some, h.ID) {
			want = append(want, h)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("Score = %v, want the exact order of those ids %v", got, want)
	}
	for i := range got {
		if got[i].ID != want[i].ID || math.Abs(float64(got[i].Score-want[i].Score)) > 1e-5 {
			t.Errorf("Score = %v, want the exact order of those ids %v", got, want)
			break
		}
	}
	if _, err := ix.Score([]float32{1}, some); err == nil {
		t.Error("a query of the wrong dimension was accepted")
	}
}

func TestCalibrateOnQueriesBetweenClusters(t *testing.T) {
	ids, vecs := clustered(20000, 32, 5, 0.6, 5)
	ix := build(t, ids, vecs, Options{Seed: 1})
	ctx := context.Background()
	if err := ix.Train(ctx); err != nil {
		t.Fatal(err)
	}
	// Stored vectors blurred by noise twice as large as themselves: unlike the
	// stored vectors Train calibrates on, they lie in no list of their own.
	rng := rand.New(rand.NewPCG(9, 9))
	between := func(n int) [][]float32 {
		qs := make([][]float32, n)
		for i := range qs {
			a := vecs[rng.IntN(len(vecs))]
			q := make([]float32, len(a))
			var norm float64
			for j := range q {
				q[j] = a[j] + float32(2*rng.NormFloat64()/math.Sqrt(float64(len(a))))
				norm += float64(q[j] * q[j])
			}
			for j := range q {
				q[j] /= float32(math.Sqrt(norm))
			}
			qs[i] = q
		}
		return qs
	}
	heldOut := between(100)
	probes, before := ix.Probes(), recall(t, ix, heldOut, 10)
	calibration := between(200)
	if err := ix.TrainFor(ctx, func() ([][]float32, error) { return calibration, nil }); err != nil {
		t.Fatal(err)
	}
	after := recall(t, ix, heldOut, 10)
	t.Logf("probes %d -> %d, re-rank %d, recall@10 %.3f -> %.3f", probes, ix.Probes(), ix.Rerank(), before, after)
	if ix.Probes() <= probes || after < 0.95 || after <= before {
		t.Errorf("calibrating on queries between clusters: probes %d -> %d, recall@10 %.3f -> %.3f; want more probes and recall >= 0.95", probes, ix.Probes(), before, after)
	}
	if err := ix.TrainFor(ctx, func() ([][]float32, error) { return [][]float32{{1, 2}}, nil }); !errors.Is(err, ErrDim) {
		t.Errorf("a calibration query of the wrong dimension: %v, want ErrDim", err)
	}
}

func TestIVFRecallOnClusteredData(t *testing.T) {
	ids, vecs := clustered(20100, 64, 200, 0.6, 1)
	queries := vecs[20000:] // held out: not in the index
	ix := build(t, ids[:20000], vecs[:20000], Options{Seed: 1})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := recall(t, ix, queries, 10); r < 0.95 {
		t.Errorf("recall@10 %.3f, want >= 0.95", r)
	} else {
		t.Logf("recall@10 %.3f with %d lists, probe %d", r, len(ix.lists), ix.probe())
	}
}

func TestAddDeleteAfterTraining(t *testing.T) {
	ids, vecs := clustered(5000, 32, 50, 0.5, 2)
	ix := build(t, ids, vecs, Options{Seed: 1, Probe: 1000})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Delete half, replace some, add new ones: Search (probing all lists)
	// must equal exact search and see every change.
	for i := 0; i < 5000; i += 2 {
		if !ix.Delete(ids[i]) {
			t.Fatalf("Delete(%s) = false", ids[i])
		}
	}
	if ix.Delete(ids[0]) {
		t.Error("second Delete reported true")
	}
	ix.Add("new", vecs[1])
	ix.Add(ids[3], vecs[0])
	if ix.Len() != 2501 {
		t.Errorf("Len = %d, want 2501", ix.Len())
	}
	got, _ := ix.Search(vecs[0], 2)
	if got[0].ID != ids[3] || got[0].Score < 0.999 {
		t.Errorf("replaced vector not found first: %v", got)
	}
	got, _ = ix.Search(vecs[1], 2)
	if got[0].ID != "new" && got[1].ID != "new" {
		t.Errorf("added vector not found: %v", got)
	}
	for _, h := range got {
		if h.ID == ids[0] {
			t.Error("deleted vector returned")
		}
	}
	if r := recall(t, ix, vecs[:50], 10); r != 1 {
		t.Errorf("full probe recall %.3f, want 1", r)
	}
}

// TestTrainCalibratesProbesToTheData: blurred clusters need more lists
// scanned than tight ones for the same recall, and Train finds how many:
// the held-out queries reach the recall it was asked for.
func TestTrainCalibratesProbesToTheData(t *testing.T) {
	probes := map[float64]int{}
	for _, noise := range []float64{0.3, 1.5} {
		ids, vecs := clustered(20100, 64, 200, noise, 2)
		ix := build(t, ids[:20000], vecs[:20000], Options{Seed: 1, Recall: 0.95})
		if err := ix.Train(context.Background()); err != nil {
			t.Fatal(err)
		}
		probes[noise] = ix.Probes()
		r := recall(t, ix, vecs[20000:], 10)
		t.Logf("noise %.1f: %d of %d lists scanned, recall@10 %.3f", noise, ix.Probes(), len(ix.lists), r)
		if r < 0.93 {
			t.Errorf("noise %.1f: recall@10 %.3f with %d probes, want about 0.95", noise, r, ix.Probes())
		}
	}
	if probes[1.5] <= 2*probes[0.3] {
		t.Errorf("blurred clusters got %d probes, tight ones %d: calibration does not follow the data", probes[1.5], probes[0.3])
	}
	// An explicit Probe wins over the calibration.
	ids, vecs := clustered(5000, 16, 50, 1.5, 3)
	ix := build(t, ids, vecs, Options{Seed: 1, Probe: 3})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ix.Probes() != 3 {
		t.Errorf("Options.Probe 3: %d probes", ix.Probes())
	}
	calibrated := ix.probes
	ix.SetProbes(5)
	if ix.Probes() != 5 {
		t.Errorf("SetProbes(5): %d probes", ix.Probes())
	}
	if ix.SetProbes(0); ix.Probes() != max(calibrated, 1) {
		t.Errorf("SetProbes(0): %d probes, want the calibrated %d", ix.Probes(), calibrated)
	}
}

func TestSaveOpenRoundTrip(t *testing.T) {
	ids, vecs := clustered(3000, 16, 30, 0.5, 3)
	ix := build(t, ids, vecs, Options{Seed: 1})
	if err := ix.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	ix.Delete(ids[7])
	var buf bytes.Buffer
	if err := ix.Save(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Open(bytes.NewReader(buf.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != ix.Len() || !back.Trained() || back.Dim() != 16 || back.Probes() != ix.Probes() {
		t.Fatalf("reopened: len %d trained %v dim %d probes %d (want %d)", back.Len(), back.Trained(), back.Dim(), back.Probes(), ix.Probes())
	}
	// Files of format versions 1 (no calibrated probe count) and 2 (no
	// codes) are refused as of a format no longer read: the caller makes
	// the vectors again.
	for version := uint32(1); version <= 2; version++ {
		_, err := Open(bytes.NewReader(legacyFile(ix, version)), Options{Seed: 1})
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), fmt.Sprintf("version %d", version)) {
			t.Errorf("version %d file: %v, want ErrFormat naming the version", version, err)
		}
	}
	for _, q := range vecs[:20] {
		a, _ := ix.Search(q, 10)
		b, _ := back.Search(q, 10)
		if !slices.Equal(a, b) {
			t.Fatalf("results differ after reopening:\n%v\n%v", a, b)
		}
	}
	// Corruption and foreign formats are refused.
	bad := slices.Clone(buf.Bytes())
	bad[len(bad)/2] ^= 1
	if _, err := Open(bytes.NewReader(bad), Options{}); err == nil {
		t.Error("a corrupted file opened")
	}
	if _, err := Open(bytes.NewReader([]byte("hello world, not an index")), Options{}); err == nil {
		t.Error("a foreign file opened")
	}
}

func TestTrainIsDeterministic(t *testing.T) {
	ids, vecs := clustered(4000, 16, 40, 0.5, 4)
	a := build(t, ids, vecs, Options{Seed: 9})
	// b gets the same vectors in another order.
	b := New(16, Options{Seed: 9})
	for i := len(ids) - 1; i >= 0; i-- {
		b.Add(ids[i], vecs[i])
	}
	a.Train(context.Background())
	b.Train(context.Background())
	if !slices.Equal(a.centroids, b.centroids) {
		t.Error("centroids depend on insertion order")
	}
}

func TestParallelScanFindsTheSameTopK(t *testing.T) {
	const n, dim = 50_000, 16 // above parallelScan: the scan is split
	rng := rand.New(rand.NewPCG(3, 4))
	ix := New(dim, Options{})
	vecs := make([][]float32, n)
	for i := range vecs {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		vecs[i] = v
		if err := ix.Add(fmt.Sprintf("v%05d", i), v); err != nil {
			t.Fatal(err)
		}
	}
	q := vecs[123]
	got, err := ix.SearchExact(q, 10)
	if err != nil {
		t.Fatal(err)
	}
	type scored struct {
		id string
		s  float32
	}
	all := make([]scored, n)
	for i, v := range vecs {
		var s float32
		for j := range v {
			s += q[j] * v[j]
		}
		all[i] = scored{fmt.Sprintf("v%05d", i), s}
	}
	slices.SortFunc(all, func(a, b scored) int {
		if a.s != b.s {
			return cmp.Compare(b.s, a.s)
		}
		return strings.Compare(a.id, b.id)
	})
	for i := range got {
		if got[i].ID != all[i].id {
			t.Fatalf("rank %d: %s, want %s", i+1, got[i].ID, all[i].id)
		}
	}
}

// legacyFile writes a trained ix as format version 1 or 2 did: no codes,
// and in version 1 no probe count.
func legacyFile(ix *Index, version uint32) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write(magic[:])
	binary.Write(&b, le, []uint32{version, uint32(ix.dim), uint32(len(ix.lists)), 1})
	if version == 2 {
		binary.Write(&b, le, uint32(ix.probes))
	}
	binary.Write(&b, le, ix.centroids)
	for _, ls := range ix.lists {
		binary.Write(&b, le, uint32(len(ls.ids)))
		for _, id := range ls.ids {
			binary.Write(&b, le, uint32(len(id)))
			b.WriteString(id)
		}
		binary.Write(&b, le, ls.vecs)
	}
	return le.AppendUint32(b.Bytes(), crc32.ChecksumIEEE(b.Bytes()))
}
