"""The ledger (隐患台账) in the desktop app: point form, table, import, map tools."""
