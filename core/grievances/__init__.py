"""Grievances and complaints (module `grievances`, «سياسة التظلم وتقديم الشكوى»)."""
