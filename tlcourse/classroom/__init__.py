"""The course in a classroom: the lessons as nbgrader assignments (``nbgrader_export``, ``make nbgrader``)."""
