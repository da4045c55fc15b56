// Package routing suggests the category of a report, and so the agency
// whose duties (tupoksi) cover it, from the report's title and description,
// with a confidence. Officers verifying reports see the suggestion; an
// admin may turn on automatic disposition for categories where it is
// reliably right (see DESIGN.md, "Routing by tupoksi").
//
// # Approach
//
// Text goes through three steps.
//
//  1. Normalize: lower case; URLs, e-mail addresses, numbers and
//     punctuation removed; repeated letters collapsed ("parahhh");
//     slang, abbreviations and common typos mapped ("gak" → "tidak",
//     "jln" → "jalan", "sampha" → "sampah"), and so are the Javanese words
//     residents of Pasuruan mix in ("dalane bolong" → "jalan lubang",
//     "banyune mati" → "air mati", "uwuh" → "sampah", "peteng" → "gelap");
//     Indonesian stop words and Kota Pasuruan place names dropped (they say
//     where, not what); every word stemmed by a light rule-based stemmer
//     (Stem: "berlubang" → "lubang", "pengangkutan" → "angkut").
//  2. Features: stemmed words, pairs of consecutive words ("air mati" is
//     not "mati lampu"), and character 3- to 5-grams of each word, which
//     keep typos ("berlubag", "jalam") close to the right word. Title
//     words count twice: residents put the subject there.
//  3. A multinomial Naive Bayes classifier with Laplace smoothing. Every
//     category of the table contributes its name and keywords as a
//     pseudo-report worth 15 real ones, so that a model trained on no
//     verified reports still works, and verified reports progressively
//     take over. The class prior is the smoothed share of verified
//     reports per category. Naive Bayes counts the many overlapping
//     features of one word as independent evidence and so is
//     over-confident; scores are therefore divided by a temperature
//     fitted by 5-fold cross-validation on the training reports
//     (minimum log-loss), which makes the confidence close to the
//     observed accuracy.
//
// # Why
//
// The city starts with few verified reports (hundreds, not millions), in
// informal, mixed-language text. Naive Bayes learns from that little,
// trains in well under a second, is deterministic (the same reports give
// the same model, byte for byte), and is explainable: a suggestion is a sum
// of per-word log-ratios, so Model.Explain can tell an officer which words
// led to it. It needs nothing outside the standard library.
//
// Naive Bayes was chosen over logistic regression on the held-out part of
// testdata/reports.csv: a softmax regression over the same features, with
// its settings chosen by the same cross-validation, reached top-1 0.755
// and top-3 0.926 where Naive Bayes reached 0.851 and 0.957 (see
// TestLogisticBaseline). Hyperparameters (smoothing, keyword weight,
// feature weights) were chosen by 5-fold cross-validation on the training
// part only; normalisation rules were written from how residents write,
// not from the held-out reports.
//
// # Accuracy
//
// testdata/reports.csv holds 409 hand-written reports over the 20
// categories, in proportions close to E-Sambat's published mix. Holding
// out every 4th report of each category (94 reports) and training on the
// rest plus the keywords gives top-1 0.851 and top-3 0.957; the keywords
// alone give 0.787 and 0.915. TestAccuracy recomputes these figures and
// fails below top-1 0.70 or top-3 0.90:
//
//	go test -run TestAccuracy -v ./routing/
//
// The usual confusions are between neighbouring duties: a fallen tree
// (bencana, taman or jalan), street vendors on a railway verge (ketertiban
// or sampah), a power cut (lainnya, PLN is not a city agency, or
// penerangan-jalan). The "lainnya" category, with no keywords, is the
// weakest.
//
// # Storage
//
// Model.Save writes JSON holding the counts, not derived values (about
// 400 KB for the test data), for the data directory or the database;
// Load reads it back and gives the same suggestions. In memory a model
// keeps each feature's counts only for the categories it was seen in
// (about 1.1 MB for the test data, where a dense table took 5.2 MB), and
// training numbers the features of its reports instead of naming them:
// 20,000 reports train in about 1.1 s and allocate 128 MB in all
// (BenchmarkTrainLarge; see BENCHMARKS.md).
package routing
