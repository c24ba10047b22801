"""Files for people: QR codes, later annual reports, SDG 12.7.1 and case studies."""
