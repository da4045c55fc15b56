package main

import (
	"database/sql"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func pgExec(dsn, q string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(q)
	return err
}
