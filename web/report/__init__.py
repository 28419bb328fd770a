"""随手拍: the phone report page for riders and residents, and following a report."""
