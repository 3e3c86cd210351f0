"""EC2 describes (SAR: "Actions, resources, and condition keys for Amazon EC2",
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).

The Describe* operations are the action of their name on ``*`` (the SAR lists no resource type
for them); other EC2 operations are not used by the suite and are authorised the same way.
"""

from __future__ import annotations

PREFIX = "ec2"
