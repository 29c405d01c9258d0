package sqlfts

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var benchWords = strings.Fields(`compte comptes société sociétés générale État fraude fiscale banque rapport
	annuel conseil administration président directeur contrat paiement virement offshore trust
	the board accounts quarterly report energy trading partnership losses audit committee
	meeting price gas power california contract payment transfer bank offshore`)

// BenchmarkSearch runs typical queries over 50,000 synthetic documents:
// 150 words each, mostly from a Zipf-distributed vocabulary of 20,000
// words, one in twenty a French or English word of benchWords.
func BenchmarkSearch(b *testing.B) {
	db := openDB(b)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 1, 20000)
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 50000 {
		var body strings.Builder
		for range 150 {
			if r.IntN(20) == 0 {
				body.WriteString(benchWords[r.IntN(len(benchWords))])
			} else {
				fmt.Fprintf(&body, "mot%d", zipf.Uint64())
			}
			body.WriteByte(' ')
		}
		d := testDoc{
			collection: []string{"enron", "panama", "luxleaks"}[i%3], kind: []string{"email", "pdf", "text"}[i%3],
			sender:      fmt.Sprintf("user%d@example.com", i%500),
			attachments: i%7 == 0,
			date:        base.AddDate(0, 0, i%6000).Format("2006-01-02"),
			f: Fields{Subject: benchWords[r.IntN(len(benchWords))] + " " + benchWords[r.IntN(len(benchWords))],
				Body: body.String(), From: []string{fmt.Sprintf("User %d <user%d@example.com>", i%500, i%500)}},
		}
		insert(b, tx, d)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`fraude`,
		`"société générale"`,
		`compt* date:2005`,
		`offshore collection:panama -audit`,
		`from:user42 OR date:2010-03`,
	} {
		for _, facets := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/facets=%v", q, facets), func(b *testing.B) {
				for b.Loop() {
					if _, err := Search(ctx, db, Request{Query: q, Facets: facets}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
