"""Reporting: the public board (晒单) and the 民意问题反馈台账 ledgers."""
