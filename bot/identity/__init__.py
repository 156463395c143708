"""Who a chat user is at the portal: binding with consent, name, ID number and SMS code
(`binding`), the bindings kept (`store`), and the words of it (`words`).
"""
