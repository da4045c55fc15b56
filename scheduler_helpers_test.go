package esambat_test

import (
	"strconv"

	"github.com/esambat/esambat/sqldb"
)

type sqlTx = sqldb.Tx

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
