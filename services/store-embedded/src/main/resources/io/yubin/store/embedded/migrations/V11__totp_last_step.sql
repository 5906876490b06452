-- The TOTP time step of the last code an administrator logged in with (RFC 6238 §5.2: a code is
-- accepted once); NULL: none since enrolment.
ALTER TABLE administrators ADD COLUMN totp_last_step INTEGER;
