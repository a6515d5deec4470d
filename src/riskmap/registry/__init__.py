"""The risk-point ledger (风险隐患台账): a riskmap project GeoPackage and its registry."""
