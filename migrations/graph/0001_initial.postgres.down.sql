-- The graph's vertices come back from the relational store on the next start; correlations
-- need Mutation.refreshCorrelations again.
DROP TABLE IF EXISTS graph_correlations;
DROP TABLE IF EXISTS graph_instruments;
