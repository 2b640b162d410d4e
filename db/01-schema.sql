-- The portal's schema. Runs once, on the db container's first start with an
-- empty data directory, against MYSQL_DATABASE as root. Written for both
-- MySQL 8.4 and MariaDB 10.11: no vendor-only syntax.
--
-- The application user (MYSQL_USER) is created by the image's entrypoint with
-- rights on this database only; the portal never connects as root.
-- No account is seeded here: the portal creates the first admin from
-- ADMIN_EMAIL / ADMIN_PASSWORD in .env, so no password is ever in this file.

CREATE TABLE IF NOT EXISTS users (
  id                  INT UNSIGNED     NOT NULL AUTO_INCREMENT,
  first_name          VARCHAR(100)     NOT NULL DEFAULT '',
  last_name           VARCHAR(100)     NOT NULL DEFAULT '',
  email               VARCHAR(255)     NOT NULL,
  password_hash       VARCHAR(255)     NOT NULL,
  security_level      TINYINT UNSIGNED NOT NULL DEFAULT 2,
  created_at          DATETIME         NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_login_at       DATETIME         NULL,
  password_changed_at DATETIME         NULL,
  PRIMARY KEY (id),
  UNIQUE KEY users_email (email),
  KEY users_security_level (security_level)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='Portal accounts. security_level 1 = administrator, 2 = user.';
