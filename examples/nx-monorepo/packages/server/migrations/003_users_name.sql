ALTER TABLE users ADD COLUMN display_name text;
UPDATE users SET display_name = split_part(email, '@', 1);
