-- A resident's email is theirs only once they open the link sent to it
-- (esambat.Service.ConfirmEmail). Until then it waits in email_pending,
-- which is not unique and reaches nothing: email (unique) is what signing
-- in, password resets and notifications use. Before this migration a
-- resident's email was stored as typed, unconfirmed: anyone could name
-- another person's address, have the status of their reports mailed
-- there, and keep its owner from registering with it. Those addresses
-- wait for their link now; staff emails, typed by an admin, stay.
ALTER TABLE users ADD COLUMN email_pending TEXT;
UPDATE users SET email_pending = email, email = NULL WHERE role = 'warga' AND email IS NOT NULL;
