"""The rights_duties module (004: «حقوق المستفيدين» / «واجبات المستفيدين»): the beneficiary's
acknowledgement of the rights and duties, changes of social researcher on request (decided by management,
the outcome told), telling the beneficiary who serves them, and a family member involved in decisions."""
