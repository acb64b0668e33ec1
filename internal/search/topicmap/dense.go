package topicmap

// Facets read the topic of every match, tens of thousands per query: a
// string-keyed map costs a hash and a cache miss or two per read (about
// 0.3 µs on the real corpus under load). Modern arXiv ids (YYMM.NNNNN)
// are small numbers, so their topics also sit in a dense table: a row per
// month, indexed by the number, one uint16 read. Other ids (hep-th/9901001)
// use the map.

// denseIDs holds topic+1 (0: none) of papers with modern ids.
type denseIDs struct {
	month [10000]int32 // YYMM -> row + 1
	rows  [][]uint16
}

// parseModern reads a modern arXiv id: YYMM.NNNN or YYMM.NNNNN.
func parseModern(id []byte) (yymm, num int, ok bool) {
	if len(id) < 9 || len(id) > 10 || id[4] != '.' {
		return 0, 0, false
	}
	for i, c := range id {
		if i == 4 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		if i < 4 {
			yymm = yymm*10 + int(c-'0')
		} else {
			num = num*10 + int(c-'0')
		}
	}
	return yymm, num, true
}

// get returns the topic of id and whether the table decides it (a modern
// id); ok false means: ask the map.
func (d *denseIDs) get(id []byte) (topic int, ok bool) {
	yymm, num, ok := parseModern(id)
	if !ok {
		return NoTopic, false
	}
	r := d.month[yymm]
	if r == 0 {
		return NoTopic, true
	}
	row := d.rows[r-1]
	if num >= len(row) || row[num] == 0 {
		return NoTopic, true
	}
	return int(row[num]) - 1, true
}

// set records id's topic (NoTopic to forget it); it does nothing for ids
// that are not modern.
func (d *denseIDs) set(id string, topic int) {
	yymm, num, ok := parseModern([]byte(id))
	if !ok {
		return
	}
	r := d.month[yymm]
	if r == 0 {
		if topic == NoTopic {
			return
		}
		d.rows = append(d.rows, nil)
		r = int32(len(d.rows))
		d.month[yymm] = r
	}
	row := d.rows[r-1]
	if num >= len(row) {
		if topic == NoTopic {
			return
		}
		grown := make([]uint16, max(num+1, 2*len(row)))
		copy(grown, row)
		row = grown
		d.rows[r-1] = row
	}
	row[num] = uint16(topic + 1)
}
