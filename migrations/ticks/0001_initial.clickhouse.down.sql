-- Every stored tick is lost.
DROP TABLE IF EXISTS ticks;
