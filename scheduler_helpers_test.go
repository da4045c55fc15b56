package esambat_test

import (
	"database/sql"
	"strconv"
)

type sqlTx = sql.Tx

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
