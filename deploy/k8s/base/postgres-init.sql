-- Run once by the PostgreSQL image on an empty data directory, as DB_USER in the database
-- `banshi` (the services'). The sandbox portal keeps a database of its own (never the
-- assistant's), and Rasa's tracker store another.
CREATE DATABASE portal;
CREATE DATABASE rasa;
